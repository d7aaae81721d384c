import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import { TypedEmitter } from '../events/typed-emitter';
import { workerExecArgv } from '../node-flags';
import type { CodecInput, CodecJob, FromWorkerBatch, ToWorkerBatch, WorkerReady } from './protocol';

/** Bytes of the worker's stderr kept to explain its end. */
const STDERR_TAIL_BYTES = 2048;

/** Options of a CodecWorkerProcess. */
export interface CodecWorkerProcessOptions {
  /** A worker that has not acknowledged a batch for this long is wedged and killed, ms. */
  stallTimeoutMs: number;
  /** A worker that is not ready this long after its start is killed, ms. */
  startTimeoutMs: number;
}

/** Events of a CodecWorkerProcess. */
export type CodecWorkerProcessEvents = {
  ready: [ffmpegVersion: string];
  batch: [batch: FromWorkerBatch];
  /** The worker is gone (crashed, killed, wedged, or closed); `reason` says which. Emitted once. */
  exit: [reason: string];
};

/**
 * One codec worker: a child process that runs many codec sessions in-process (node-av), so a
 * native crash costs only its sessions, never the gateway. Messages to it are gathered and sent as
 * one batch per event-loop turn; it answers each batch with one batch of outputs and an
 * acknowledgement, which is how a wedged worker is noticed.
 */
export class CodecWorkerProcess extends TypedEmitter<CodecWorkerProcessEvents> {
  readonly #child: ChildProcess;
  readonly #options: CodecWorkerProcessOptions;
  #ready = false;
  #exited = false;
  #closing = false;
  #stderrTail = '';
  #pending: PendingBatch = emptyBatch();
  #flushScheduled = false;
  #seq = 0;
  /** Sent batches not acknowledged yet: sequence, bytes, performance.now() when sent. */
  readonly #unacked: Array<[number, number, number]> = [];
  #unackedBytes = 0;
  readonly #watchdog: NodeJS.Timeout;
  readonly #startedAt = performance.now();

  constructor(options: CodecWorkerProcessOptions) {
    super();
    this.#options = options;
    const { entry, execArgv } = workerEntry();
    this.#child = fork(entry, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
    });
    this.#child.on('message', (message: WorkerReady | FromWorkerBatch) => this.#onMessage(message));
    this.#child.on('error', (err) => {
      this.#stderrTail += `\n${err.message}`;
    });
    this.#child.on('exit', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.#end(this.#closing ? 'closed' : `codec worker ${how}${this.#stderrTail.trim() ? `: ${this.#stderrTail.trim()}` : ''}`);
    });
    this.#watchdog = setInterval(() => this.#checkAlive(), 250).unref();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get ready(): boolean {
    return this.#ready;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Bytes sent and not yet acknowledged, plus bytes waiting to be sent. */
  get backlogBytes(): number {
    return this.#unackedBytes + this.#pending.bytes;
  }

  open(session: number, job: CodecJob): void {
    this.#pending.opens.push({ session, job });
    this.#scheduleFlush();
  }

  input(input: CodecInput): void {
    this.#pending.inputs.push(input);
    this.#pending.bytes += input.data.byteLength + (input.clip?.byteLength ?? 0);
    this.#scheduleFlush();
  }

  /** The session's input has ended: its last outputs come back, then `drained`. */
  drainSession(session: number): void {
    this.#pending.drains.push(session);
    this.#scheduleFlush();
  }

  closeSession(session: number): void {
    this.#pending.closes.push(session);
    this.#scheduleFlush();
  }

  /** Kills the worker at once (a test's SIGKILL, or a wedged worker). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.#exited) this.#child.kill(signal);
  }

  /** Stops the worker; its sessions end. Idempotent. */
  async close(): Promise<void> {
    if (this.#exited) return;
    this.#closing = true;
    const exited = new Promise<void>((resolve) => this.once('exit', () => resolve()));
    this.#child.kill('SIGKILL');
    await exited;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || !this.#ready || this.#exited) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#exited) return;
    const { opens, inputs, drains, closes, bytes } = this.#pending;
    if (opens.length + inputs.length + drains.length + closes.length === 0) return;
    this.#pending = emptyBatch();
    const batch: ToWorkerBatch = { seq: ++this.#seq, opens, inputs, drains, closes };
    this.#unacked.push([batch.seq, bytes, performance.now()]);
    this.#unackedBytes += bytes;
    this.#child.send(batch);
  }

  #onMessage(message: WorkerReady | FromWorkerBatch): void {
    if ('ready' in message) {
      this.#ready = true;
      this.emit('ready', message.ffmpegVersion);
      this.#scheduleFlush();
      return;
    }
    while (this.#unacked.length > 0 && this.#unacked[0]![0] <= message.ack) this.#unackedBytes -= this.#unacked.shift()![1];
    this.emit('batch', message);
  }

  #checkAlive(): void {
    const now = performance.now();
    if (!this.#ready && now - this.#startedAt > this.#options.startTimeoutMs) {
      this.#stderrTail += `\nnot ready after ${this.#options.startTimeoutMs} ms`;
      this.kill();
    } else if (this.#unacked.length > 0 && now - this.#unacked[0]![2] > this.#options.stallTimeoutMs) {
      this.#stderrTail += `\nno answer for ${this.#options.stallTimeoutMs} ms (wedged)`;
      this.kill();
    }
  }

  #end(reason: string): void {
    if (this.#exited) return;
    this.#exited = true;
    clearInterval(this.#watchdog);
    this.#pending = emptyBatch();
    this.#unacked.length = 0;
    this.#unackedBytes = 0;
    this.emit('exit', reason);
  }
}

/** What is gathered for the next batch, and the input bytes in it. */
interface PendingBatch {
  opens: Array<{ session: number; job: CodecJob }>;
  inputs: CodecInput[];
  drains: number[];
  closes: number[];
  bytes: number;
}

function emptyBatch(): PendingBatch {
  return { opens: [], inputs: [], drains: [], closes: [], bytes: 0 };
}

/**
 * The worker's script next to this one: compiled JavaScript in production; the TypeScript source
 * under jest, run through the tests' swc hook. The parent's flags (--cpu-prof, --inspect) are not
 * passed on; the gateway's V8 flags are (node-flags.ts).
 */
function workerEntry(): { entry: string; execArgv: string[] } {
  const ext = extname(__filename);
  const entry = join(__dirname, '..', 'codec-worker', `main${ext}`);
  return { entry, execArgv: workerExecArgv() };
}
