import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { TypedEmitter } from '../events/typed-emitter';

/** How long a stopping ffmpeg gets after its input closes before it is signalled, ms. */
const EXIT_GRACE_MS = 500;
/** Spacing of the two termination signals (ffmpeg ignores one while blocked on input), ms. */
const SECOND_SIGNAL_DELAY_MS = 300;
/** After this, SIGKILL, ms. */
const KILL_AFTER_MS = 2000;
/** Bytes of stderr kept to explain a failure. */
const STDERR_TAIL_BYTES = 2048;

/** Options of an FfmpegProcess. */
export interface FfmpegProcessOptions {
  /** ffmpeg binary (setting ffmpeg_path). */
  ffmpegPath: string;
  /** Arguments after the binary; `-nostdin` is not needed (stdin is our input pipe). */
  args: string[];
  /** Extra input pipes on fd 3, 4, … (`-i pipe:3` in the arguments). Default 0. */
  extraInputPipes?: number;
}

/** Events of an FfmpegProcess. */
export type FfmpegProcessEvents = {
  /** The process ended; `stderrTail` says why when it failed. */
  exit: [code: number | null, signal: NodeJS.Signals | null, stderrTail: string];
};

/**
 * One ffmpeg child process with piped input and outputs, spawned with typed arguments (no shell),
 * and a stop that really stops it (measured: ffmpeg ignores a single SIGTERM while blocked on I/O).
 */
export class FfmpegProcess extends TypedEmitter<FfmpegProcessEvents> {
  readonly #child: ChildProcess;
  readonly #inputPipeCount: number;
  #stderrTail = '';
  #exited = false;
  readonly #exitPromise: Promise<void>;

  constructor(options: FfmpegProcessOptions) {
    super();
    const pipes = options.extraInputPipes ?? 0;
    this.#inputPipeCount = pipes;
    this.#child = spawn(options.ffmpegPath, ['-hide_banner', '-loglevel', 'error', ...options.args], {
      stdio: ['pipe', 'pipe', 'pipe', ...Array<'pipe'>(pipes).fill('pipe')],
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
    });
    // A closed pipe must not become an uncaught exception: the exit event reports the failure.
    for (const stream of this.#child.stdio) stream?.on('error', () => undefined);
    this.#exitPromise = new Promise((resolve) => {
      this.#child.once('error', (err) => {
        this.#stderrTail += `\n${err.message}`;
      });
      this.#child.once('close', (code, signal) => {
        this.#exited = true;
        this.emit('exit', code, signal, this.#stderrTail.trim());
        resolve();
      });
    });
  }

  /** Process id (undefined if the spawn failed). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  get stdin(): Writable {
    return this.#child.stdin!;
  }

  get stdout(): Readable {
    return this.#child.stdout!;
  }

  /** An extra input pipe: `inputPipe(3)` for `-i pipe:3`. */
  inputPipe(fd: number): Writable {
    return this.#child.stdio[fd] as Writable;
  }

  /** Ends every input (stdin and the extra pipes): ffmpeg flushes what it has and exits. */
  endInputs(): void {
    this.#child.stdin?.end();
    for (let fd = 3; fd < 3 + this.#inputPipeCount; fd++) this.inputPipe(fd).end();
  }

  /**
   * Stops the process: closes its input so it can flush, then two SIGTERMs 300 ms apart, then SIGKILL.
   * Resolves when it has exited. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#exited) return;
    this.endInputs();
    const timers = [
      setTimeout(() => this.#signal('SIGTERM'), EXIT_GRACE_MS),
      setTimeout(() => this.#signal('SIGTERM'), EXIT_GRACE_MS + SECOND_SIGNAL_DELAY_MS),
      setTimeout(() => this.#signal('SIGKILL'), KILL_AFTER_MS),
    ];
    await this.#exitPromise;
    for (const timer of timers) clearTimeout(timer);
  }

  /** Kills at once (gateway shutdown, broken input). */
  kill(): void {
    this.#signal('SIGKILL');
  }

  #signal(signal: NodeJS.Signals): void {
    if (!this.#exited) this.#child.kill(signal);
  }
}
