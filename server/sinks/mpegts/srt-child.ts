import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { TypedEmitter } from '../../events/typed-emitter';

/** The program that carries SRT pushes: a byte copy from its stdin to one SRT connection (Debian package srt-tools). */
export const SRT_TOOL = 'srt-live-transmit';

/** The error message when {@link SRT_TOOL} is not installed. */
export const SRT_TOOL_MISSING = 'SRT pushes need srt-live-transmit (Debian package srt-tools)';

/** Longest line kept from the child's output, characters (the rest of a longer line is dropped). */
export const SRT_CHILD_MAX_LINE_CHARS = 1000;

/** Lines of the child's output kept for error messages. */
export const SRT_CHILD_KEPT_LINES = 20;

/** Time from SIGTERM to SIGKILL when the child is stopped, ms. */
export const SRT_CHILD_KILL_AFTER_MS = 1000;

/** What a line of srt-live-transmit's output (or of the SRT library's log in it) means. */
export type SrtChildLine =
  /** Caller: the connection is up ("SRT target connected"); listener: a caller connected ("Accepted SRT target connection"). */
  | { readonly kind: 'connected' }
  /** The receiver refused the connection; `reason` is the library's text ("Incorrect passphrase"...). */
  | { readonly kind: 'rejected'; readonly reason: string }
  /** The connection broke after being up ("SRT target disconnected"); the tool exits next (-a:no). */
  | { readonly kind: 'disconnected' }
  /** The tool dropped bytes it could not send (SRT send buffer full, or no connection), counted since start. */
  | { readonly kind: 'lost'; readonly bytes: number }
  /** The tool failed ("ERROR: ..."): it exits next. */
  | { readonly kind: 'error'; readonly text: string }
  | { readonly kind: 'other' };

/** Reads one line of srt-live-transmit 1.5's output. */
export function classifySrtLine(line: string): SrtChildLine {
  if (line === 'SRT target connected' || line === 'Accepted SRT target connection') return { kind: 'connected' };
  if (line === 'SRT target disconnected') return { kind: 'disconnected' };
  // 12:00:00.000000/SRT:RcvQ:w1!W:SRT.cn: processAsyncConnectRequest: REJECT reported from HS processing: Incorrect passphrase - not processing further
  const rejected = /REJECT reported from [^:]*: (.*?)(?: - not processing further)?$/.exec(line);
  if (rejected) return { kind: 'rejected', reason: rejected[1]! };
  const lost = /^(\d+) bytes lost, \d+ bytes sent, \d+ bytes received$/.exec(line);
  if (lost) return { kind: 'lost', bytes: Number(lost[1]) };
  if (line.startsWith('ERROR: ')) return { kind: 'error', text: line.slice('ERROR: '.length) };
  return { kind: 'other' };
}

/** How the child ended. */
export interface SrtChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the program could not be started (ENOENT: not installed). */
  readonly spawnError: Error | undefined;
}

/** Events of an {@link SrtChild}. */
export type SrtChildEvents = {
  /** A line of its output, secrets masked, classified. */
  line: [line: string, meaning: SrtChildLine];
  /** Its stdin took everything written so far. */
  drain: [];
  /** It ended (once). */
  exit: [exit: SrtChildExit];
};

/** Options of an {@link SrtChild}. */
export interface SrtChildOptions {
  /** Absolute path of the program (see {@link findExecutable}). */
  readonly command: string;
  readonly args: readonly string[];
  /** Strings masked as *** in the lines it reports (passphrase, stream id). */
  readonly secrets: readonly string[];
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * One srt-live-transmit process: TS in on stdin, lines out of stdout and stderr. Started without a
 * shell, in the gateway's process group; through `setpriv --pdeathsig SIGKILL` when there is one
 * (util-linux), so the kernel kills it if the gateway dies, even by SIGKILL, and a hook kills it
 * when the gateway's process exits. `stop()` ends stdin, sends SIGTERM and SIGKILL after 1 s.
 */
export class SrtChild extends TypedEmitter<SrtChildEvents> {
  readonly #child: ChildProcess;
  readonly #secrets: readonly string[];
  readonly #lines: string[] = [];
  #exit: SrtChildExit | undefined;
  readonly #exited: Promise<SrtChildExit>;

  constructor(options: SrtChildOptions, setpriv: string | undefined) {
    super();
    this.#secrets = options.secrets.filter((s) => s !== '');
    const [command, args] = setpriv === undefined ? [options.command, options.args] : [setpriv, ['--pdeathsig', 'SIGKILL', '--', options.command, ...options.args]];
    this.#child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: false, shell: false });
    const child = this.#child;
    installExitHook();
    liveChildren.add(child);
    this.#exited = new Promise((resolve) => {
      const done = (exit: SrtChildExit): void => {
        if (this.#exit) return;
        this.#exit = exit;
        liveChildren.delete(child);
        resolve(exit);
        this.emit('exit', exit);
      };
      // 'close': the exit status, after stdout and stderr are read to the end (the last lines say why).
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => done({ code, signal, spawnError: undefined }));
      child.on('error', (error) => {
        // No 'close' follows a failed spawn; on a live process this is a failed kill(), and 'close' follows.
        if (child.pid === undefined) done({ code: null, signal: null, spawnError: error });
      });
    });
    // Writes to a child that exited fail with EPIPE: its 'exit' tells why, not this.
    child.stdin!.on('error', () => undefined);
    child.stdin!.on('drain', () => this.emit('drain'));
    this.#readLines(child.stdout!);
    this.#readLines(child.stderr!);
  }

  /** Process id (undefined if it could not be started). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True once it has ended. */
  get exited(): boolean {
    return this.#exit !== undefined;
  }

  /** Resolves once it has ended. */
  get exit(): Promise<SrtChildExit> {
    return this.#exited;
  }

  /** Bytes written to stdin that the pipe has not taken yet. */
  get stdinPending(): number {
    return this.#child.stdin?.writableLength ?? 0;
  }

  /** The last lines of its output (at most 20, secrets masked). */
  get lastLines(): readonly string[] {
    return this.#lines;
  }

  /** Writes to its stdin; `done` runs once the pipe took the bytes (with an error if it never will). */
  write(data: Buffer, done: (error?: Error | null) => void): void {
    const stdin = this.#child.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded || this.#exit) {
      done(new Error('stdin is closed'));
      return;
    }
    stdin.write(data, done);
  }

  /**
   * Ends it: closes stdin (so a read blocked on it returns), SIGTERM (the tool closes its SRT
   * connection, telling the peer), SIGKILL after `killAfterMs`. Resolves once it has exited. Idempotent.
   */
  stop(killAfterMs = SRT_CHILD_KILL_AFTER_MS): Promise<SrtChildExit> {
    if (this.#exit) return this.#exited;
    const child = this.#child;
    child.stdin?.destroy();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    timer.unref();
    void this.#exited.then(() => clearTimeout(timer));
    return this.#exited;
  }

  #readLines(stream: NodeJS.ReadableStream): void {
    let partial = '';
    let overlong = false;
    stream.setEncoding('utf8');
    stream.on('error', () => undefined);
    stream.on('data', (text: string) => {
      let from = 0;
      for (;;) {
        const newline = text.indexOf('\n', from);
        const piece = text.slice(from, newline === -1 ? text.length : newline);
        if (!overlong) {
          partial += piece;
          if (partial.length > SRT_CHILD_MAX_LINE_CHARS) {
            partial = partial.slice(0, SRT_CHILD_MAX_LINE_CHARS);
            overlong = true;
          }
        }
        if (newline === -1) break;
        this.#onLine(partial);
        partial = '';
        overlong = false;
        from = newline + 1;
      }
    });
    stream.on('end', () => {
      if (partial !== '') this.#onLine(partial);
      partial = '';
    });
  }

  #onLine(raw: string): void {
    let line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    for (const secret of this.#secrets) line = line.split(secret).join('***');
    this.#lines.push(line);
    if (this.#lines.length > SRT_CHILD_KEPT_LINES) this.#lines.shift();
    this.emit('line', line, classifySrtLine(line));
  }
}

/** SIGKILLs every live child when the gateway's process exits (a normal exit; a crash is pdeathsig's job). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/** The absolute path of `name` on PATH (or `name` itself if it is a path and executable), or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = name.includes('/') ? [name] : (process.env['PATH'] ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return path.resolve(candidate);
    } catch {
      // Not here.
    }
  }
  return undefined;
}

let setprivPath: Promise<string | undefined> | undefined;

/** util-linux's setpriv, which starts a program with a parent-death signal, when the machine has it (looked up once). */
export function findSetpriv(): Promise<string | undefined> {
  setprivPath ??= findExecutable('setpriv');
  return setprivPath;
}
