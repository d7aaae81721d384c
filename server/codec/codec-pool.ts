import type { Logger } from '../log';
import { CodecSession } from './codec-session';
import { CodecWorkerProcess } from './codec-worker-process';
import { bufferOf, type CodecJob, type FromWorkerBatch } from './protocol';

/** Options of a CodecPool. */
export interface CodecPoolOptions {
  /** Codec worker processes at most (setting codec_workers). */
  workers: number;
  /** A worker that has not answered a batch for this long is killed, ms. */
  stallTimeoutMs: number;
  /** A worker that is not ready this long after its start is killed, ms. */
  startTimeoutMs: number;
  /** Bytes sent to a worker and not answered yet beyond which new inputs are dropped. */
  maxBacklogBytes: number;
  /** A worker that dies sooner than this after its start is restarted only after restartDelayMs, ms. */
  crashLoopMs: number;
  restartDelayMs: number;
  /**
   * A worker takes new sessions until it carries this load (an audio session is 1; a video
   * transcode, a core's worth of work, counts as a full worker, so it gets a worker of its own
   * while there is one); only then does the next worker start. Each worker costs a node process
   * (about 1 % of a core and 90 MB of RSS, shared pages included) whatever it carries: at 32 audio
   * sessions that is under 3 MB per stream, while the sessions take about a fifth of a core
   * (0.6 % each), and a crash costs those streams' audio for a moment. 1 spreads every session,
   * as many workers as sessions.
   */
  workerFillLoad: number;
}

export const CODEC_POOL_DEFAULTS: Omit<CodecPoolOptions, 'workers'> = {
  stallTimeoutMs: 5000,
  startTimeoutMs: 15_000,
  maxBacklogBytes: 16 * 1024 * 1024,
  crashLoopMs: 5000,
  restartDelayMs: 1000,
  workerFillLoad: 32,
};

/** The load of a session: a video transcode (VP8 to H.264, an encoder) fills a worker; anything else is 1. */
function loadOf(job: CodecJob, fillLoad: number): number {
  return job.kind === 'vp8-to-h264' ? fillLoad : 1;
}

function loadOfSlot(slot: Slot, fillLoad: number): number {
  let load = 0;
  for (const { job } of slot.sessions.values()) load += loadOf(job, fillLoad);
  return load;
}

function leastLoaded(slots: readonly Slot[], fillLoad: number): Slot | undefined {
  let best: Slot | undefined;
  for (const slot of slots) if (best === undefined || loadOfSlot(slot, fillLoad) < loadOfSlot(best, fillLoad)) best = slot;
  return best;
}

/** One worker place of the pool, and the sessions placed on it. */
interface Slot {
  readonly index: number;
  worker: CodecWorkerProcess | undefined;
  /** The sessions placed here and their jobs, to open them on a worker that starts later. */
  readonly sessions: Map<number, { session: CodecSession; job: CodecJob }>;
  /** No new worker in this slot before this performance.now(), after a crash loop. */
  notBefore: number;
  /** A start held back by a crash loop is scheduled. */
  startScheduled: boolean;
  startedAt: number;
}

/** What the pool reports about itself (metrics, logs, the bench). */
export interface CodecPoolStats {
  workers: Array<{ pid: number | undefined; sessions: number; backlogBytes: number }>;
  /** Workers that ended without being asked to, since the start. */
  restarts: number;
  /** Inputs dropped because their worker was behind or not running, since the start. */
  droppedInputs: number;
  /** Inputs a worker refused (they failed its checks and never reached FFmpeg), since the start. */
  refusedInputs: number;
}

/**
 * The gateway's codec workers: up to `workers` child processes, each running many codec sessions
 * in-process. A session goes to the least loaded running worker while that one has room
 * (`workerFillLoad`), else to a worker started for it, else to the least loaded one. When a worker
 * ends on its own — a native crash, a wedge — only its sessions end, each with a `failed` event;
 * their owners reopen them at once and land on a live worker or on the worker that replaces it.
 */
export class CodecPool {
  readonly #options: CodecPoolOptions;
  readonly #log: Logger;
  readonly #slots: Slot[];
  #nextId = 1;
  #restarts = 0;
  #droppedInputs = 0;
  #refusedInputs = 0;
  #closed = false;

  constructor(options: CodecPoolOptions, logger: Logger) {
    this.#options = options;
    this.#log = logger;
    this.#slots = Array.from({ length: Math.max(1, options.workers) }, (_, index) => ({ index, worker: undefined, sessions: new Map(), notBefore: 0, startScheduled: false, startedAt: 0 }));
  }

  /** Opens a session for `job` on the worker #placeFor picks. */
  open(job: CodecJob): CodecSession {
    const id = this.#nextId++;
    const slot = this.#placeFor(job);
    const session = new CodecSession(id, {
      input: (session, pts, data, clip) => this.#input(slot, session, pts, data, clip),
      drain: (session) => this.#drainSession(slot, session),
      close: (session) => this.#closeSession(slot, session),
    });
    if (this.#closed) {
      queueMicrotask(() => session.fail('the codec pool is closed', false));
      return session;
    }
    slot.sessions.set(id, { session, job });
    this.#workerOf(slot)?.open(id, job);
    return session;
  }

  stats(): CodecPoolStats {
    return {
      workers: this.#slots.filter((slot) => slot.worker).map((slot) => ({ pid: slot.worker!.pid, sessions: slot.sessions.size, backlogBytes: slot.worker!.backlogBytes })),
      restarts: this.#restarts,
      droppedInputs: this.#droppedInputs,
      refusedInputs: this.#refusedInputs,
    };
  }

  /** Process ids of the running workers (tests, the bench). */
  workerPids(): number[] {
    return this.#slots.flatMap((slot) => (slot.worker?.pid !== undefined ? [slot.worker.pid] : []));
  }

  /** Stops every worker; open sessions end with `failed`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#slots.map(async (slot) => {
      const worker = slot.worker;
      this.#failAll(slot, 'the codec pool is closing', false);
      await worker?.close();
    }));
  }

  /**
   * Among the slots not held back after a crash loop (all, if every one is): the least loaded one
   * in use if `job` fits under workerFillLoad there, else an unused one, else the least loaded.
   */
  #placeFor(job: CodecJob): Slot {
    const now = performance.now();
    const free = this.#slots.filter((slot) => slot.notBefore <= now);
    const candidates = free.length > 0 ? free : this.#slots;
    const inUse = candidates.filter((slot) => slot.worker !== undefined || slot.sessions.size > 0);
    const fill = this.#options.workerFillLoad;
    const lightest = leastLoaded(inUse, fill);
    if (lightest !== undefined && loadOfSlot(lightest, fill) + loadOf(job, fill) <= fill) return lightest;
    return candidates.find((slot) => !inUse.includes(slot)) ?? leastLoaded(candidates, fill)!;
  }

  /**
   * The slot's worker, started if it has none. While a crash loop holds the slot back it is
   * undefined: the start is scheduled, and the sessions placed meanwhile are opened then.
   */
  #workerOf(slot: Slot): CodecWorkerProcess | undefined {
    if (slot.worker) return slot.worker;
    const wait = slot.notBefore - performance.now();
    if (wait > 0) {
      if (!slot.startScheduled) {
        slot.startScheduled = true;
        setTimeout(() => {
          slot.startScheduled = false;
          if (this.#closed || slot.worker || slot.sessions.size === 0) return;
          const worker = this.#workerOf(slot);
          for (const [id, { job }] of slot.sessions) worker?.open(id, job);
        }, wait).unref();
      }
      return undefined;
    }
    const worker = new CodecWorkerProcess(this.#options);
    slot.worker = worker;
    slot.startedAt = performance.now();
    worker.on('ready', (ffmpegVersion) => this.#log.info({ codecWorker: slot.index, pid: worker.pid, ffmpegVersion }, 'codec worker ready'));
    worker.on('batch', (batch) => this.#onBatch(slot, batch));
    worker.on('exit', (reason) => this.#onExit(slot, worker, reason));
    return worker;
  }

  #input(slot: Slot, session: number, pts: number, data: Uint8Array, clip: Uint8Array | undefined): void {
    const worker = slot.worker;
    if (!slot.sessions.has(session)) return;
    if (!worker || worker.exited || worker.backlogBytes > this.#options.maxBacklogBytes) {
      this.#droppedInputs++;
      return;
    }
    worker.input(clip ? { session, pts, data, clip } : { session, pts, data });
  }

  #drainSession(slot: Slot, session: number): void {
    const worker = slot.worker;
    if (worker && !worker.exited) worker.drainSession(session);
    // Held back by a crash loop: nothing was fed, so nothing is held.
    else queueMicrotask(() => this.#onDrained(slot, session));
  }

  #onDrained(slot: Slot, session: number): void {
    const owner = slot.sessions.get(session)?.session;
    slot.sessions.delete(session);
    owner?.receiveDrained();
  }

  #closeSession(slot: Slot, session: number): void {
    if (!slot.sessions.delete(session)) return;
    slot.worker?.closeSession(session);
  }

  #onBatch(slot: Slot, batch: FromWorkerBatch): void {
    for (const output of batch.outputs) {
      slot.sessions.get(output.session)?.session.receiveOutput({ ...output, data: bufferOf(output.data) });
    }
    for (const { session, sps, pps } of batch.parameters) slot.sessions.get(session)?.session.receiveParameters(bufferOf(sps), bufferOf(pps));
    // A refusal is the worker's check at work (a malformed or hostile input), counted, not logged: a peer could flood the log.
    this.#refusedInputs += batch.refused.length;
    for (const { session, reason } of batch.failed) {
      const owner = slot.sessions.get(session)?.session;
      if (!owner) continue;
      slot.sessions.delete(session);
      owner.fail(reason, false);
    }
    for (const session of batch.drained) this.#onDrained(slot, session);
  }

  #onExit(slot: Slot, worker: CodecWorkerProcess, reason: string): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    if (this.#closed) return;
    this.#restarts++;
    const lived = performance.now() - slot.startedAt;
    if (lived < this.#options.crashLoopMs) slot.notBefore = performance.now() + this.#options.restartDelayMs;
    this.#log.error({ codecWorker: slot.index, pid: worker.pid, reason, sessions: slot.sessions.size, livedMs: Math.round(lived) }, 'codec worker ended; its sessions are reopened');
    this.#failAll(slot, reason, true);
  }

  #failAll(slot: Slot, reason: string, workerLost: boolean): void {
    const sessions = [...slot.sessions.values()];
    slot.sessions.clear();
    for (const { session } of sessions) session.fail(reason, workerLost);
  }
}
