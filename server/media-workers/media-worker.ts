import { fork, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Settings } from '../config/settings';
import { GatewayError } from '../errors';
import { TypedEmitter } from '../events/typed-emitter';
import type { EndReason } from '../hub/end-reason';
import type { Logger } from '../log';
import { workerExecArgv } from '../node-flags';
import type { PathDirectoryEvents } from '../paths/path-directory';
import type { AccessDecision, StreamRequest } from '../rtmp/server/access-policy';
import type { RemoteSession } from '../rtmp/server/server-session';
import type { SessionSnapshot } from '../rtmp/server/session-snapshot';
import type { PublishStreamRequest } from '../signalling/protocol';
import { PlayRejectedError, type PlayEvents, type PlayHandle, type PlayRequest } from '../signalling/play-service';
import { PublishRejectedError, type PublishCallbacks, type PublishHandle } from '../signalling/publish-service';
import type { FromWorker, HandedSessionOptions, ToWorker, WorkerCallMethod, WorkerCalls } from './protocol';

/** Decides a publish or play on a handed-over connection (the listener's policy, then placement). */
export type StreamAuthorizer = (request: StreamRequest, signal: AbortSignal) => Promise<AccessDecision>;

/** A directory call not answered in this long fails (the worker is wedged or dying), ms. */
const CALL_TIMEOUT_MS = 15_000;
/** A worker not ready this long after its start is killed, ms. */
const START_TIMEOUT_MS = 20_000;
/** Bytes of the worker's stderr kept to explain its end. */
const STDERR_TAIL_BYTES = 2048;
const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Events of a MediaWorker: its paths' directory events, and the ones of the process. */
export type MediaWorkerEvents = PathDirectoryEvents & {
  ready: [];
  /** The process is gone (crashed, killed, or closed); `reason` says which. Emitted once. */
  exit: [reason: string];
};

/**
 * The main process's handle on one media worker child: starts it, relays directory calls to it
 * and their answers back, hands it RTMP connections, re-logs its log lines, and reports its end.
 */
export class MediaWorker extends TypedEmitter<MediaWorkerEvents> {
  readonly index: number;
  readonly #child: ChildProcess;
  readonly #log: Logger;
  readonly #calls = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  /** Handed-over RTMP connections, by session id: what their shells wait for, and who decides their later publishes and plays. */
  readonly #sessions = new Map<number, { closed: () => void; authorize: StreamAuthorizer; abort: AbortController }>();
  readonly #startTimer: NodeJS.Timeout;
  /** WebRTC publishes negotiated or running here, by id: their signalling session's callbacks. */
  readonly #publishes = new Map<number, { callbacks: PublishCallbacks; answered: (handle: PublishHandle) => void; failed: (err: Error) => void; running: boolean }>();
  /** WebRTC viewers negotiated or playing here, by id: their caller's events. */
  readonly #plays = new Map<number, { events: PlayEvents; answered: (handle: PlayHandle) => void; failed: (err: Error) => void; running: boolean }>();
  /** Connections waiting to be sent, one socket in flight at a time. */
  readonly #handOffQueue: Array<{ session: number; socket: net.Socket; send: () => void }> = [];
  #handOffInFlight = false;
  #nextId = 1;
  #ready = false;
  #exited = false;
  #closing = false;
  #stderrTail = '';

  constructor(index: number, settings: Settings, codecWorkers: number, logger: Logger) {
    super();
    this.index = index;
    this.#log = logger.child({ worker: index });
    const { entry, execArgv } = workerEntry();
    this.#child = fork(entry, [], { serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#relogLine(line));
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
    });
    this.#child.on('message', (message: FromWorker) => this.#onMessage(message));
    this.#child.on('error', (err) => {
      this.#stderrTail += `\n${err.message}`;
    });
    this.#child.on('exit', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      const tail = this.#stderrTail.trim();
      this.#end(this.#closing ? 'closed' : `media worker ${how}${tail ? `: ${tail}` : ''}`);
    });
    this.#startTimer = setTimeout(() => {
      this.#stderrTail += `\nnot ready after ${START_TIMEOUT_MS} ms`;
      this.kill();
    }, START_TIMEOUT_MS);
    this.#send({ kind: 'init', index, settings, codecWorkers });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get ready(): boolean {
    return this.#ready && !this.#exited;
  }

  /** Calls a directory method in the worker; rejects with the worker's GatewayError, or INTERNAL when it is gone. */
  call<M extends WorkerCallMethod>(method: M, ...args: WorkerCalls[M]['args']): Promise<WorkerCalls[M]['value']> {
    if (this.#exited) return Promise.reject(this.#goneError());
    const id = this.#nextId++;
    return new Promise<WorkerCalls[M]['value']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#calls.delete(id);
        reject(new GatewayError('INTERNAL', `media worker ${this.index} did not answer ${method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.#calls.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.#send({ kind: 'call', id, method, args });
    });
  }

  /**
   * Moves an RTMP connection here; the returned shell closes it and learns when it ends. Later
   * publishes and plays on it are decided by `authorize`, in this process.
   */
  handOff(socket: net.Socket, snapshot: SessionSnapshot, options: HandedSessionOptions, authorize: StreamAuthorizer): RemoteSession {
    const session = this.#nextId++;
    const abort = new AbortController();
    const closed = new Promise<void>((resolve) => this.#sessions.set(session, { closed: resolve, authorize, abort }));
    if (this.#exited) this.#sessionClosed(session);
    else {
      this.#handOffQueue.push({ session, socket, send: () => this.#sendSession(session, socket, snapshot, options) });
      this.#nextHandOff();
    }
    return {
      close: (reason: EndReason) => {
        // Not sent yet: it ends here.
        const queued = this.#handOffQueue.findIndex((entry) => entry.session === session);
        if (queued === -1) return this.#send({ kind: 'rtmp-close', session, reason });
        this.#handOffQueue.splice(queued, 1)[0]!.socket.destroy();
        this.#sessionClosed(session);
      },
      closed,
    };
  }

  /**
   * Sends one handed-over connection. Node queues a socket sent while the previous one is not
   * acknowledged, and a paused socket may still take in bytes meanwhile, which would leave with it
   * unseen: so sockets go one at a time, each once the worker has the previous, and whatever the
   * socket took in since its snapshot joins the snapshot's unread bytes.
   */
  #sendSession(session: number, socket: net.Socket, snapshot: SessionSnapshot, options: HandedSessionOptions): void {
    const late: Buffer[] = [];
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) late.push(chunk);
    const unread = late.length === 0 ? snapshot.connection.unread : Buffer.concat([snapshot.connection.unread, ...late]);
    const sent: SessionSnapshot = { ...snapshot, connection: { ...snapshot.connection, unread } };
    // Node counts a socket sent to a child against its server, and server.close() then waits for
    // that child to report it closed: forever once every such child has exited (an empty worker
    // list). The listener follows handed-over connections through their shells instead, so the
    // socket leaves the server's count here: untracked, and destroyed once its handle has gone.
    (socket as unknown as { server: net.Server | null }).server = null;
    this.#handOffInFlight = true;
    this.#child.send({ kind: 'rtmp-session', session, snapshot: sent, options } satisfies ToWorker, socket, { keepOpen: false }, () => socket.destroy());
  }

  #nextHandOff(): void {
    if (this.#handOffInFlight || this.#exited) return;
    this.#handOffQueue.shift()?.send();
  }

  /**
   * Negotiates a WebRTC publish here: the offer goes to the worker, which asks `callbacks.authorize`
   * (in this process) before reserving anything, answers, and reports the publish's life.
   */
  publish(request: PublishStreamRequest, callbacks: PublishCallbacks, logBindings: Record<string, unknown>): Promise<PublishHandle> {
    if (this.#exited) return Promise.reject(this.#goneError());
    const id = this.#nextId++;
    return new Promise<PublishHandle>((resolve, reject) => {
      this.#publishes.set(id, { callbacks, answered: resolve, failed: reject, running: false });
      this.#send({ kind: 'publish', id, request, logBindings });
    });
  }

  /** Negotiates a WebRTC viewer of a stream of this worker; the worker reports its life to `events`. */
  play(request: PlayRequest, events: PlayEvents, logBindings: Record<string, unknown>): Promise<PlayHandle> {
    if (this.#exited) return Promise.reject(this.#goneError());
    const id = this.#nextId++;
    return new Promise<PlayHandle>((resolve, reject) => {
      this.#plays.set(id, { events, answered: resolve, failed: reject, running: false });
      this.#send({ kind: 'play', id, request, logBindings });
    });
  }

  /** Kills the worker at once (a test's SIGKILL, or one that does not start). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.#exited) this.#child.kill(signal);
  }

  /** Ends the worker's paths cleanly (pushes send FCUnpublish), then stops it. Idempotent. */
  async close(): Promise<void> {
    if (this.#exited) return;
    if (this.#ready) await this.call('closePaths').catch(() => undefined);
    this.#closing = true;
    const exited = new Promise<void>((resolve) => this.once('exit', () => resolve()));
    this.kill();
    await exited;
  }

  #send(message: ToWorker): void {
    if (!this.#exited && this.#child.connected) this.#child.send(message);
  }

  #onMessage(message: FromWorker): void {
    switch (message.kind) {
      case 'ready':
        clearTimeout(this.#startTimer);
        this.#ready = true;
        this.emit('ready');
        break;
      case 'reply': {
        const call = this.#calls.get(message.id);
        if (!call) return;
        this.#calls.delete(message.id);
        clearTimeout(call.timer);
        if ('error' in message) call.reject(message.error.code ? new GatewayError(message.error.code, message.error.message) : new Error(message.error.message));
        else call.resolve(message.value);
        break;
      }
      case 'event':
        (this.emit as (event: string, ...args: unknown[]) => boolean)(message.event, ...message.args);
        break;
      case 'rtmp-received':
        this.#handOffInFlight = false;
        this.#nextHandOff();
        break;
      case 'rtmp-closed':
        this.#sessionClosed(message.session);
        break;
      case 'publish-authorize': {
        const publish = this.#publishes.get(message.id);
        if (!publish) return;
        publish.callbacks.authorize(message.request).then(
          (request) => this.#send({ kind: 'publish-authorized', id: message.id, request, rejection: undefined }),
          (err: unknown) => this.#send({ kind: 'publish-authorized', id: message.id, request: undefined, rejection: (err as Error).message }),
        );
        break;
      }
      case 'publish-answer': {
        const publish = this.#publishes.get(message.id);
        if (!publish) return;
        publish.running = true;
        publish.answered({ answerSdp: message.answerSdp, stop: (reason) => this.#send({ kind: 'publish-stop', id: message.id, reason }) });
        break;
      }
      case 'publish-failed':
        this.#publishes.get(message.id)?.failed(message.rejected ? new PublishRejectedError(message.message) : new Error(message.message));
        this.#publishes.delete(message.id);
        break;
      case 'publishing':
        this.#publishes.get(message.id)?.callbacks.onPublishing();
        break;
      case 'publish-ended':
        this.#publishes.get(message.id)?.callbacks.onEnded(message.info, message.failed);
        this.#publishes.delete(message.id);
        break;
      case 'play-answer': {
        const play = this.#plays.get(message.id);
        if (!play) return;
        play.running = true;
        play.answered({ answerSdp: message.answerSdp, stop: (reason) => this.#send({ kind: 'play-stop', id: message.id, reason }) });
        break;
      }
      case 'play-failed':
        this.#plays.get(message.id)?.failed(message.refusal ? new PlayRejectedError(message.refusal, message.message) : new Error(message.message));
        this.#plays.delete(message.id);
        break;
      case 'playing':
        this.#plays.get(message.id)?.events.onPlaying();
        break;
      case 'play-ended':
        this.#plays.get(message.id)?.events.onEnded(message.info, message.failed);
        this.#plays.delete(message.id);
        break;
      case 'access': {
        const session = this.#sessions.get(message.session);
        const decided = session ? session.authorize(message.request, session.abort.signal) : Promise.resolve<AccessDecision>({ allowed: false, reason: 'connection closed' });
        decided.then(
          (decision) => this.#send({ kind: 'access-decision', id: message.id, decision }),
          (err: unknown) => this.#send({ kind: 'access-decision', id: message.id, decision: { allowed: false, reason: (err as Error).message } }),
        );
        break;
      }
    }
  }

  #sessionClosed(session: number): void {
    const entry = this.#sessions.get(session);
    if (!entry) return;
    this.#sessions.delete(session);
    entry.abort.abort();
    entry.closed();
  }

  /** One JSON line of the worker's pino, logged again through the gateway's logger. */
  #relogLine(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.#log.info({ line }, 'media worker output');
      return;
    }
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, service: _service, worker: _worker, ...fields } = entry;
    this.#log[PINO_LEVELS[Number(level)] ?? 'info'](fields, typeof msg === 'string' ? msg : '');
  }

  #goneError(): GatewayError {
    return new GatewayError('INTERNAL', `media worker ${this.index} is not running`);
  }

  #end(reason: string): void {
    if (this.#exited) return;
    this.#exited = true;
    for (const { socket } of this.#handOffQueue.splice(0)) socket.destroy();
    clearTimeout(this.#startTimer);
    for (const call of this.#calls.values()) {
      clearTimeout(call.timer);
      call.reject(this.#goneError());
    }
    this.#calls.clear();
    for (const session of [...this.#sessions.keys()]) this.#sessionClosed(session);
    for (const publish of this.#publishes.values()) {
      if (publish.running) publish.callbacks.onEnded(`Media worker ${this.index} was lost`, true);
      else publish.failed(this.#goneError());
    }
    this.#publishes.clear();
    for (const play of this.#plays.values()) {
      if (play.running) play.events.onEnded(`Media worker ${this.index} was lost`, true);
      else play.failed(this.#goneError());
    }
    this.#plays.clear();
    this.emit('exit', reason);
  }
}

/** The worker's script next to this one (see CodecWorkerProcess: TypeScript under jest through the swc hook). */
function workerEntry(): { entry: string; execArgv: string[] } {
  const ext = extname(__filename);
  const entry = join(__dirname, `worker-main${ext}`);
  return { entry, execArgv: workerExecArgv() };
}
