import { AggregatorRegistry } from 'prom-client';
import type { Settings } from '../config/settings';
import { GatewayError } from '../errors';
import { TypedEmitter } from '../events/typed-emitter';
import { EndReasons, type EndReason } from '../hub/end-reason';
import type { Logger } from '../log';
import type { LocalPaths } from '../paths/local-paths';
import type { PathDirectory, PathDirectoryEvents, PathSummary } from '../paths/path-directory';
import { StreamNameInUseError } from '../paths/stream-name-in-use';
import type { PushFilter, PushRequest, PushStatus } from '../push/types';
import type { PlayService } from '../signalling/play-service';
import type { PublishService } from '../signalling/publish-service';
import type { MediaNode } from './media-node';
import { MediaWorker } from './media-worker';
import { MAIN_NODE, Placement } from './placement';

/** A worker that dies sooner than this after its start is restarted only after RESTART_DELAY_MS, ms. */
const CRASH_LOOP_MS = 10_000;
const RESTART_DELAY_MS = 1000;
const EVENTS: ReadonlyArray<keyof PathDirectoryEvents> = ['path-published', 'path-unpublished', 'push-state', 'push-retry', 'path-removed', 'recording-file'];

/** How the pool is made. */
export interface MediaWorkerPoolOptions {
  /** Media workers in all, the main process included (the `workers` setting). */
  readonly nodes: number;
  readonly settings: Settings;
  /** Codec worker processes of each child. */
  readonly codecWorkersEach: number;
  /** The main process's own share: node 0. */
  readonly local: MediaNode;
  readonly logger: Logger;
}

/**
 * The media workers and the directory over them: node 0 is the main process's MediaNode, nodes
 * 1..N-1 are child processes, each carrying the streams placed on it with their pushes and
 * players. Directory calls go to the node of the stream or push; lists gather every node's. A
 * worker that dies ends its streams with a clear reason, gives its kept pushes back to the main
 * process (reserved, waiting for their streams), and is restarted; the others go on.
 */
export class MediaWorkerPool extends TypedEmitter<PathDirectoryEvents> implements PathDirectory {
  readonly placement: Placement;
  readonly #options: MediaWorkerPoolOptions;
  readonly #log: Logger;
  readonly #workers = new Map<number, MediaWorker>();
  /** Node of every push of a worker, by id, with its last status. */
  readonly #remotePushes = new Map<string, { node: number; status: PushStatus }>();
  /** Names with a publication, per worker node. */
  readonly #published = new Map<number, Set<string>>();
  #closing = false;

  private constructor(options: MediaWorkerPoolOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ component: 'media-workers' });
    const paths = options.local.paths;
    this.placement = new Placement(options.nodes, { has: (name) => paths.hasPath(name), load: () => paths.pathCount });
    for (const event of EVENTS) paths.on(event, (...args: unknown[]) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args));
  }

  /** Starts the children and waits until each is ready; rejects (after stopping them) if one is not. */
  static async start(options: MediaWorkerPoolOptions): Promise<MediaWorkerPool> {
    const pool = new MediaWorkerPool(options);
    try {
      await Promise.all(Array.from({ length: options.nodes - 1 }, (_, i) => pool.#startWorker(i + 1)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    pool.#log.info({ workers: options.nodes, codecWorkersEach: options.codecWorkersEach }, 'media workers started');
    return pool;
  }

  /**
   * The main process's paths as its own ingests (WebRTC, RTMP) publish into them: a name that lives
   * on a child is in use, as it would be on a single process.
   */
  localPaths(): LocalPaths {
    const paths = this.#options.local.paths;
    return {
      publish: (name, source) => {
        if ((this.placement.nodeOf(name) ?? MAIN_NODE) !== MAIN_NODE) throw new StreamNameInUseError(name);
        return paths.publish(name, source);
      },
      stream: (name) => paths.stream(name),
    };
  }

  /**
   * The signalling's publish service over every worker: a WebRTC publish goes to the node of its
   * stream name (a new name to the least loaded), `local` being the main process's own.
   */
  publishService(local: PublishService): PublishService {
    return {
      publish: (request, callbacks, logger) => {
        const node = this.placement.place(request.name);
        const worker = node === MAIN_NODE ? undefined : this.worker(node);
        if (!worker) return local.publish(request, callbacks, logger);
        this.placement.handingOver(request.name);
        const settled = (): void => this.placement.handOverEnded(request.name, node);
        return worker.publish(request, {
          authorize: callbacks.authorize,
          onPublishing: () => callbacks.onPublishing(),
          onEnded: (info, failed) => {
            settled();
            callbacks.onEnded(info, failed);
          },
        }, logger.bindings()).catch((err: unknown) => {
          settled();
          throw err;
        });
      },
    };
  }

  /** WebRTC viewers over every worker: a viewer plays on the node of its stream, `local` being the main process's own. */
  playService(local: PlayService): PlayService {
    return {
      play: (request, events, logger) => {
        const node = this.placement.nodeOf(request.name) ?? MAIN_NODE;
        const worker = node === MAIN_NODE ? undefined : this.worker(node);
        return worker ? worker.play(request, events, logger.bindings()) : local.play(request, events, logger);
      },
    };
  }

  /** The child of node `node` while it runs (1..N-1). */
  worker(node: number): MediaWorker | undefined {
    const worker = this.#workers.get(node);
    return worker?.ready ? worker : undefined;
  }

  async listPaths(): Promise<PathSummary[]> {
    const lists = await Promise.all([this.#options.local.paths.listPaths(), ...this.#running().map((w) => w.call('listPaths'))]);
    return lists.flat();
  }

  async findPath(name: string): Promise<PathSummary | undefined> {
    const worker = this.#workerOfName(name);
    return worker ? worker.call('findPath', name) : this.#options.local.paths.findPath(name);
  }

  /** On the node of the stream, like every call about one stream name. */
  async terminateStream(name: string, publisherId: string, reason: EndReason): Promise<boolean> {
    const worker = this.#workerOfName(name);
    return worker ? worker.call('terminateStream', name, publisherId, reason) : this.#options.local.paths.terminateStream(name, publisherId, reason);
  }

  /** On the node of the stream; a push reserved for a name no node carries waits in the main process. */
  async startPush(request: PushRequest): Promise<PushStatus> {
    // max_pushes counts the whole gateway; each node checks its own pushes against it too.
    const { maxPushes } = this.#options.settings;
    if (this.#options.local.paths.pushes().length + this.#remotePushes.size >= maxPushes) {
      this.#options.local.metrics.reached('rest_pushes');
      throw new GatewayError('LIMIT_REACHED', `The gateway holds ${maxPushes} pushes already (setting max_pushes): terminate some first`);
    }
    if (request.recording) this.#checkRecordMax();
    const id = request.id;
    if (id !== undefined && (this.#remotePushes.has(id) || this.#options.local.paths.pushes().some((push) => push.id === id))) {
      throw new GatewayError('CONFLICT', `Duplicate ID already exists: a push with id '${id}' is running`);
    }
    const worker = this.#workerOfName(request.sourceName);
    if (!worker) return this.#options.local.paths.startPush(request);
    const status = await worker.call('startPush', request);
    this.#remotePushes.set(status.id, { node: worker.index, status });
    return status;
  }

  /** record_max counts the whole gateway too: running recordings of every node. */
  #checkRecordMax(): void {
    const { recordMax } = this.#options.settings;
    const local = this.#options.local.paths.pushes().filter((push) => push.active && push.config.recording).length;
    const remote = [...this.#remotePushes.values()].filter(({ status }) => status.recording && status.state !== 'failed').length;
    if (local + remote < recordMax) return;
    this.#options.local.metrics.reached('recordings');
    throw new GatewayError('LIMIT_REACHED', `${recordMax} recordings run already (setting record_max): stop some first`);
  }

  async findPushes(filter: PushFilter): Promise<PushStatus[]> {
    const lists = await Promise.all([this.#options.local.paths.findPushes(filter), ...this.#running().map((w) => w.call('findPushes', filter))]);
    return lists.flat().sort((a, b) => a.createdTime - b.createdTime);
  }

  async terminatePush(id: string, reason: EndReason): Promise<void> {
    const worker = this.#workerOfPush(id);
    await (worker ? worker.call('terminatePush', id, reason) : this.#options.local.paths.terminatePush(id, reason));
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    const worker = this.#workerOfPush(id);
    await (worker ? worker.call('setMuted', id, muted) : this.#options.local.paths.setMuted(id, muted));
  }

  async soundOn(id: string, soundFile: string, loop: boolean): Promise<void> {
    const worker = this.#workerOfPush(id);
    await (worker ? worker.call('soundOn', id, soundFile, loop) : this.#options.local.paths.soundOn(id, soundFile, loop));
  }

  async soundOff(id: string): Promise<void> {
    const worker = this.#workerOfPush(id);
    await (worker ? worker.call('soundOff', id) : this.#options.local.paths.soundOff(id));
  }

  /** Every node's metrics in one Prometheus text: counters and gauges summed over the processes. */
  async metrics(): Promise<{ contentType: string; text: string }> {
    const local = this.#options.local.metrics.registry;
    const remote = await Promise.all(this.#running().map((w) => w.call('metrics').catch(() => [])));
    const registry = AggregatorRegistry.aggregate([await local.getMetricsAsJSON(), ...remote]);
    return { contentType: local.contentType, text: await registry.metrics() };
  }

  /** Ends the paths of every child cleanly (pushes send FCUnpublish), then stops them. Idempotent. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#workers.values()].map((worker) => worker.close()));
  }

  #running(): MediaWorker[] {
    return [...this.#workers.values()].filter((worker) => worker.ready);
  }

  #workerOfName(name: string): MediaWorker | undefined {
    const node = this.placement.nodeOf(name);
    if (node === undefined || node === MAIN_NODE) return undefined;
    const worker = this.worker(node);
    if (!worker) throw new GatewayError('INTERNAL', `Stream '${name}' is on media worker ${node}, which is restarting: try again in a moment`);
    return worker;
  }

  #workerOfPush(id: string): MediaWorker | undefined {
    const entry = this.#remotePushes.get(id);
    if (!entry) return undefined;
    const worker = this.worker(entry.node);
    if (!worker) throw new GatewayError('TRANSPONDER_NOT_FOUND', `Transponder not found: ${id} (its media worker was lost)`);
    return worker;
  }

  #startWorker(node: number): Promise<void> {
    const startedAt = performance.now();
    const worker = new MediaWorker(node, this.#options.settings, this.#options.codecWorkersEach, this.#options.logger);
    this.#workers.set(node, worker);
    this.#published.set(node, new Set());
    worker.on('path-published', (summary) => {
      this.#published.get(node)?.add(summary.name);
      this.placement.published(summary.name, node);
      this.emit('path-published', summary);
    });
    worker.on('path-unpublished', (name, reason) => {
      this.#published.get(node)?.delete(name);
      this.emit('path-unpublished', name, reason);
    });
    worker.on('path-removed', (name) => {
      this.placement.removed(name, node);
      this.emit('path-removed', name);
    });
    worker.on('push-state', (status) => {
      if (status.state === 'stopped') this.#remotePushes.delete(status.id);
      else this.#remotePushes.set(status.id, { node, status });
      this.emit('push-state', status);
    });
    worker.on('push-retry', (status) => this.emit('push-retry', status));
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('ready', () => {
        this.placement.nodeUp(node);
        this.#log.info({ worker: node, pid: worker.pid }, 'media worker running');
        resolve();
      });
      worker.once('exit', (reason) => {
        reject(new Error(`media worker ${node} could not start: ${reason}`));
        this.#lost(node, reason, performance.now() - startedAt);
      });
    });
    return ready;
  }

  /** A worker is gone: its streams end, its kept pushes wait in the main process, and it is restarted. */
  #lost(node: number, reason: string, livedMs: number): void {
    this.#workers.delete(node);
    if (this.#closing) return;
    const names = this.placement.nodeDown(node);
    const published = this.#published.get(node) ?? new Set<string>();
    this.#log.error({ worker: node, reason, streams: published.size, names: names.length }, 'media worker lost: its streams end, its names are released, and it is restarted');
    const ended = EndReasons.failure(`Media worker ${node} was lost`);
    for (const name of published) this.emit('path-unpublished', name, ended);
    const lostPushes = [...this.#remotePushes].filter(([, entry]) => entry.node === node);
    for (const [id, { status }] of lostPushes) {
      this.#remotePushes.delete(id);
      this.emit('push-state', { ...status, state: 'failed', lastError: `media worker ${node} was lost` });
    }
    // A push kept across restarts survives its worker too: it waits, reserved, in the main process.
    const lostIds = new Set(lostPushes.map(([id]) => id));
    for (const record of this.#options.local.store.all()) {
      if (lostIds.has(record.id)) void this.#options.local.paths.restorePush(record);
    }
    const delay = livedMs < CRASH_LOOP_MS ? RESTART_DELAY_MS : 0;
    setTimeout(() => {
      if (this.#closing) return;
      this.#startWorker(node).catch((err: unknown) => this.#log.error({ worker: node, err: (err as Error).message }, 'media worker restart failed'));
    }, delay).unref();
  }
}
