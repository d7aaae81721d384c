import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** How a child process ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What `run()` collected from a process that exited by itself. */
export interface RunResult extends ExitStatus {
  /** Everything the process wrote to stdout, bytes. */
  readonly stdout: Buffer;
  /** Everything the process wrote to stderr, decoded as UTF-8. */
  readonly stderr: string;
}

/** Options of `run()`. */
export interface RunOptions {
  /** Hard limit on the process's lifetime, ms; it is SIGKILLed when the limit passes. */
  readonly timeoutMs: number;
  /** Bytes written to stdin, which is then closed; without it stdin is /dev/null. */
  readonly input?: Buffer;
}

/** Stable codes of `ProcessError`. */
export type ProcessErrorCode = 'SPAWN_FAILED' | 'TIMEOUT' | 'NONZERO_EXIT' | 'EXITED';

/** A child process could not be started, outlived its timeout, or failed. */
export class ProcessError extends Error {
  constructor(
    readonly code: ProcessErrorCode,
    message: string,
    /** Last characters of the process's stderr (at most STDERR_TAIL_CHARS). */
    readonly stderrTail: string,
    /** Process id, if the process was started; after a TIMEOUT it is known to be dead. */
    readonly pid: number | undefined,
  ) {
    super(stderrTail === '' ? message : `${message}\n--- stderr (tail) ---\n${stderrTail}`);
    this.name = 'ProcessError';
  }
}

/** Length of the stderr tail quoted in errors, characters. */
export const STDERR_TAIL_CHARS = 2000;

/** Delay between the two polite signals of `stopGracefully()`, ms. */
const SECOND_SIGNAL_DELAY_MS = 300;

const liveChildren = new Set<ChildProcess>();

/** A process started by `spawnTracked()`. */
export interface TrackedProcess {
  readonly child: ChildProcess;
  /** Resolves once the process has exited (never rejects; a spawn failure reads as code null). */
  readonly exited: Promise<ExitStatus>;
  /** The last STDERR_TAIL_CHARS characters the process wrote to stderr. */
  stderrTail(): string;
}

/** Options of `spawnTracked()`. */
export interface SpawnOptions {
  /** 'pipe' to write to the process; default 'ignore' (/dev/null). */
  readonly stdin?: 'pipe' | 'ignore';
  /** 'pipe' to read the output; default 'ignore', so an unread pipe can never stall the process. */
  readonly stdout?: 'pipe' | 'ignore';
}

/**
 * Starts a long-running process that `killAllChildren()` will reap. Its stderr is always drained
 * (keeping only a tail) because a full stderr pipe would block ffmpeg mid-stream.
 * `-nostdin` is added to ffmpeg's arguments if missing.
 */
export function spawnTracked(cmd: string, args: readonly string[], options: SpawnOptions = {}): TrackedProcess {
  const child = spawn(cmd, withNoStdin(cmd, args), {
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'],
  });
  liveChildren.add(child);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // 'exit' does not follow a failed spawn (ENOENT), so settle here instead.
    child.once('error', (err) => {
      if (child.pid === undefined) {
        tail = (tail + String(err)).slice(-STDERR_TAIL_CHARS);
        resolve({ code: null, signal: null });
      }
    });
  });
  void exited.then(() => liveChildren.delete(child));
  return { child, exited, stderrTail: () => tail };
}

/**
 * Resolves once the process's stderr contains `pattern` (e.g. ffmpeg's 'Stream mapping' once it is
 * streaming). Rejects with ProcessError 'EXITED' if it exits first, 'TIMEOUT' after `timeoutMs`.
 */
export function waitForStderr(tracked: TrackedProcess, pattern: string | RegExp, timeoutMs: number): Promise<void> {
  const matches = () => (typeof pattern === 'string' ? tracked.stderrTail().includes(pattern) : pattern.test(tracked.stderrTail()));
  if (matches()) return Promise.resolve();
  const { child } = tracked;
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: ProcessError) => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    // spawnTracked's own listener runs first, so the tail already holds this chunk.
    const onData = () => {
      if (matches()) settle();
    };
    // 'close', not 'exit': stderr may still hold the awaited text when 'exit' fires.
    const onClose = () => settle(new ProcessError('EXITED', `exited before printing ${pattern}`, tracked.stderrTail(), child.pid));
    const timer = setTimeout(
      () => settle(new ProcessError('TIMEOUT', `no ${pattern} on stderr within ${timeoutMs} ms`, tracked.stderrTail(), child.pid)),
      timeoutMs,
    );
    child.stderr?.on('data', onData);
    child.once('close', onClose);
  });
}

/**
 * Runs a process to completion and collects its output. It never outlives `timeoutMs`: past it the
 * process is SIGKILLed and the promise rejects with ProcessError 'TIMEOUT' once it is dead.
 * A non-zero exit resolves normally (see `runOrThrow`); a failed spawn rejects with 'SPAWN_FAILED'.
 */
export function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = spawnTracked(cmd, args, {
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    stdout: 'pipe',
  });
  const { child } = started;
  const stdoutChunks: Buffer[] = [];
  const stderrChunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
  child.stderr?.on('data', (chunk: string) => stderrChunks.push(chunk));
  if (options.input !== undefined) {
    // The process may exit before reading all input; that is its business, not an error here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  }
  const what = `${path.basename(cmd)} ${args.join(' ')}`;

  return new Promise<RunResult>((resolve, reject) => {
    let exited = false;
    let timedOut = false;
    const rejectTimedOut = () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(new ProcessError('TIMEOUT', `${what} was killed after ${options.timeoutMs} ms`, started.stderrTail(), child.pid));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      // An exited process whose pipes are still held open (by a grandchild) has run out of time too.
      if (exited) rejectTimedOut();
      else child.kill('SIGKILL');
    }, options.timeoutMs);

    child.once('error', (err) => {
      if (child.pid !== undefined) return; // a kill() failure on a live process; 'exit' follows.
      clearTimeout(timer);
      reject(new ProcessError('SPAWN_FAILED', `could not start ${what}: ${err.message}`, '', undefined));
    });
    // Reject on 'exit', not 'close': a grandchild holding the pipes open must not extend the deadline.
    child.once('exit', () => {
      exited = true;
      if (timedOut) rejectTimedOut();
    });
    // 'close' comes after stdout and stderr are fully read.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      if (timedOut || child.pid === undefined) return;
      resolve({ code, signal, stdout: Buffer.concat(stdoutChunks), stderr: stderrChunks.join('') });
    });
  });
}

/** Like `run()`, but a non-zero exit or a death by signal rejects with ProcessError 'NONZERO_EXIT'. */
export async function runOrThrow(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    const how = result.signal === null ? `exit code ${result.code}` : `signal ${result.signal}`;
    throw new ProcessError(
      'NONZERO_EXIT',
      `${path.basename(cmd)} ${args.join(' ')} failed with ${how}`,
      result.stderr.slice(-STDERR_TAIL_CHARS),
      undefined,
    );
  }
  return result;
}

/** Options of `stopGracefully()`. */
export interface StopOptions {
  /** Time from the first signal to SIGKILL, ms; default 2000. */
  readonly graceMs?: number;
  /**
   * Time from the first SIGINT to the second, ms; default 300. ffmpeg aborts its network writes
   * at the second, so one that must end its session cleanly (RTMP's FCUnpublish and deleteStream)
   * on a loaded machine needs longer.
   */
  readonly secondSignalMs?: number;
}

/**
 * Asks a process to quit and resolves once it has exited: SIGINT, a second SIGINT 300 ms later
 * (`secondSignalMs`; ffmpeg ignores a single SIGINT/SIGTERM while blocked on network input), then
 * SIGKILL at `graceMs`.
 */
export function stopGracefully(child: ChildProcess, options: StopOptions = {}): Promise<ExitStatus> {
  const graceMs = options.graceMs ?? 2000;
  if (hasEnded(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise<ExitStatus>((resolve) => {
    const timers = [
      setTimeout(() => child.kill('SIGINT'), options.secondSignalMs ?? SECOND_SIGNAL_DELAY_MS),
      setTimeout(() => child.kill('SIGKILL'), graceMs),
    ];
    child.once('exit', (code, signal) => {
      timers.forEach(clearTimeout);
      resolve({ code, signal });
    });
    child.kill('SIGINT');
  });
}

/** SIGKILLs every process started through this module that is still alive; resolves when all have exited. For afterAll. */
export async function killAllChildren(): Promise<void> {
  const dying = [...liveChildren].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (hasEnded(child)) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(dying);
}

/** True if the process has exited or never started (a failed spawn emits no 'exit'). */
function hasEnded(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/** ffmpeg reads keyboard commands from stdin unless told not to, and can stall or eat piped input. */
function withNoStdin(cmd: string, args: readonly string[]): readonly string[] {
  const isFfmpeg = path.basename(cmd) === 'ffmpeg';
  return isFfmpeg && !args.includes('-nostdin') ? ['-nostdin', ...args] : args;
}
