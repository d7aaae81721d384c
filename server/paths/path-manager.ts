import type { HostCheck } from '../access/outbound-policy';
import { loadSoundClip, type SoundClip } from '../audio/sound-clip';
import type { PushAudioOptions } from '../audio/push-audio';
import { systemClock, type Clock } from '../events/clock';
import { TypedEmitter } from '../events/typed-emitter';
import { GatewayError } from '../errors';
import { EndReasons, type EndReason } from '../hub/end-reason';
import type { FrameQueueLimits } from '../hub/frame-queue';
import type { HubStream, StreamSource } from '../hub/stream';
import type { TrackDerivation } from '../hub/track-derivation';
import type { Logger } from '../log';
import { NO_LIMIT_REPORTER, type LimitReporter } from '../metrics/limits';
import type { BackoffPolicy } from '../push/backoff';
import { newMediaSessionId } from '../push/media-session-id';
import { PushTask } from '../push/push-task';
import type { PushFilter, PushRequest, PushStatus, TrackSelection } from '../push/types';
import type { Recorder } from '../sinks/record/record-sink-kind';
import type { ResolvedTarget, SinkContext, SinkRegistry } from '../sinks/sink-kinds';
import { Path } from './path';
import type { PushRecord, PushRecords } from './push-records';
import type { PathDirectory, PathDirectoryEvents, PathSummary } from './path-directory';

/** What the pushes of every path share. */
export interface PushDefaults {
  readonly backoff: BackoffPolicy;
  /** A session that takes no bytes for this long while data waits is wedged, ms. */
  readonly wedgeTimeoutMs: number;
  /** Bounds of each push's reader queue. */
  readonly readerLimits: FrameQueueLimits;
  readonly audio: PushAudioOptions;
  /** Directory of the sound files of sound_on. */
  readonly mediaDir: string;
  /** Every stream published is pushed here too (rtmp_push_auto_start); undefined: off. */
  readonly autoStartUrl: string | undefined;
  /** Pushes held at most, whatever their state (max_pushes). */
  readonly maxPushes: number;
  /** Bytes of a push's options (as JSON) kept at most (rest_max_option_bytes). */
  readonly maxOptionBytes: number;
  /** Recordings running at once at most (record_max). */
  readonly maxRecordings: number;
}

/** Options of the PathManager. */
export interface PathManagerOptions {
  readonly derivations: readonly TrackDerivation[];
  /** Kinds of push targets, by URL scheme. */
  readonly sinks: SinkRegistry;
  /** Makes the targets of recordings; without it, recordings are refused. */
  readonly recorder?: Recorder;
  readonly pushes: PushDefaults;
  /** Passed to every sink (metrics). */
  readonly sinkContext: Omit<SinkContext, 'logger'>;
  /** Publisher grace period, ms (0: none). */
  readonly gracePeriodMs: number;
  /** Where pushes asked to persist are kept across restarts; default: nowhere. */
  readonly store?: PushRecords;
  /** Push targets are checked against it (the outbound policy); default: any target. */
  readonly outbound?: HostCheck;
  /** Told when a push is refused at a limit. */
  readonly limits?: LimitReporter;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/**
 * The in-process path directory: one Path per stream name, made when a publisher or a push needs
 * it and forgotten when nothing is left under the name. Ingests publish through it, players read
 * through it, and it serves the asynchronous {@link PathDirectory} to the REST API. A failure of
 * one push never touches another.
 */
export class PathManager extends TypedEmitter<PathDirectoryEvents> implements PathDirectory {
  readonly #options: PathManagerOptions;
  readonly #log: Logger;
  readonly #paths = new Map<string, Path>();
  /** Every push by id, with the path that owns it. */
  readonly #pushes = new Map<string, { push: PushTask; path: Path }>();
  /** Bytes sent by pushes that have ended. */
  #endedBytes = 0;
  #closing: Promise<void> | undefined;

  constructor(options: PathManagerOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ component: 'paths' });
  }

  // Media plane (in-process): ingests and players.

  /** Starts publishing `name`; throws StreamNameInUseError while someone else publishes it. */
  publish(name: string, source: StreamSource): HubStream {
    if (this.#closing) throw new GatewayError('CONFLICT', 'the gateway is shutting down');
    return this.#path(name).publish(source);
  }

  /** The stream published as `name`, if any. */
  stream(name: string): HubStream | undefined {
    return this.#paths.get(name)?.stream;
  }

  /** True while anything lives under `name`: a publication, a grace period, a push. */
  hasPath(name: string): boolean {
    return this.#paths.has(name);
  }

  /** Paths held now. */
  get pathCount(): number {
    return this.#paths.size;
  }

  /** Every published stream. */
  streams(): HubStream[] {
    return [...this.#paths.values()].flatMap((path) => (path.stream ? [path.stream] : []));
  }

  /** Every push, oldest first. */
  pushes(): PushTask[] {
    return [...this.#pushes.values()].map((entry) => entry.push);
  }

  /** Bytes written to targets since start, by every push that ever ran. */
  sentBytesTotal(): number {
    return this.#endedBytes + this.pushes().reduce((sum, push) => sum + (push.active && !push.config.recording ? push.status().sentBytes : 0), 0);
  }

  // Control plane (PathDirectory).

  async listPaths(): Promise<PathSummary[]> {
    return [...this.#paths.values()].map(summarize);
  }

  async findPath(name: string): Promise<PathSummary | undefined> {
    const path = this.#paths.get(name);
    return path && summarize(path);
  }

  async terminateStream(name: string, publisherId: string, reason: EndReason): Promise<boolean> {
    const stream = this.stream(name);
    if (!stream || stream.source.mediaSessionId !== publisherId) return false;
    this.#log.info({ streamName: name, mediaSessionId: publisherId, sourceKind: stream.source.kind, reason: reason.info }, 'stream terminated');
    stream.close(reason);
    return true;
  }

  async startPush(request: PushRequest): Promise<PushStatus> {
    if (request.id !== undefined && this.#pushes.has(request.id)) {
      throw new GatewayError('CONFLICT', `Duplicate ID already exists: a push with id '${request.id}' is running`);
    }
    return this.#start(request, request.id ?? newMediaSessionId());
  }

  /**
   * Starts again every push kept in the store (a restart, a crash), as reserved pushes with their
   * ids: each resumes when its stream is published. Returns how many; one that cannot start (its
   * target is no longer allowed, say) is logged and left out.
   */
  async restorePushes(): Promise<number> {
    const records = this.#options.store?.all() ?? [];
    let restored = 0;
    for (const record of records) if (await this.restorePush(record)) restored++;
    if (records.length > 0) this.#log.info({ restored, kept: records.length }, 'pushes restored');
    return restored;
  }

  /** Starts one kept push again, reserved, with its id; false (logged) when it cannot start. */
  async restorePush(record: PushRecord): Promise<boolean> {
    try {
      await this.#start({ sourceName: record.sourceName, url: record.url, fullUrl: record.fullUrl, flashVersion: record.flashVersion, options: record.options, reserve: true, persist: true }, record.id);
      return true;
    } catch (err) {
      this.#log.error({ mediaSessionId: record.id, streamName: record.sourceName, reason: (err as Error).message }, 'kept push could not be restored');
      return false;
    }
  }

  async #start(request: PushRequest, id: string): Promise<PushStatus> {
    if (this.#closing) throw new GatewayError('CONFLICT', 'the gateway is shutting down');
    const limits = this.#options.limits ?? NO_LIMIT_REPORTER;
    const defaults = this.#options.pushes;
    if (this.#pushes.size >= defaults.maxPushes) {
      limits.reached('rest_pushes');
      throw new GatewayError('LIMIT_REACHED', `The gateway holds ${defaults.maxPushes} pushes already (setting max_pushes): terminate some first`);
    }
    const optionBytes = Buffer.byteLength(JSON.stringify(request.options ?? {}));
    if (optionBytes > defaults.maxOptionBytes) {
      limits.reached('rest_option_bytes');
      throw new GatewayError('PAYLOAD_TOO_LARGE', `options take ${optionBytes} bytes as JSON, more than ${defaults.maxOptionBytes} (setting rest_max_option_bytes)`);
    }
    const recording = request.recording ? this.#recordingTarget(request, id) : undefined;
    const target: ResolvedTarget = recording ?? this.#options.sinks.resolve({
      url: request.url,
      sourceName: request.sourceName,
      ...(request.fullUrl === undefined ? {} : { fullUrl: request.fullUrl }),
      ...(request.flashVersion === undefined ? {} : { flashVersion: request.flashVersion }),
    });
    try {
      // An SRT listener's host is the local address ('' for any), a recording's too: they reach nowhere.
      if (target.target.host !== '') await this.#options.outbound?.check(target.target.host);
    } catch (err) {
      limits.reached('outbound_target');
      throw err;
    }
    const existing = this.pushes().find((p) => p.config.sourceName === request.sourceName && p.config.target.target.url === target.target.url);
    if (existing?.active) {
      throw new GatewayError('CONFLICT', `Stream '${request.sourceName}' is already republished to this rtmpUrl (mediaSessionId ${existing.id})`);
    }
    const stream = this.stream(request.sourceName);
    if (!stream && !request.reserve) {
      throw new GatewayError('STREAM_NOT_FOUND', `Stream '${request.sourceName}' is not published (pass "reserve": true to push it as soon as it is)`);
    }
    const options = request.options ?? {};
    let clip: SoundClip | undefined;
    if (options.action === 'sound_on') {
      if (!options.soundFile) throw new GatewayError('INVALID_BODY', 'options.soundFile is required with action "sound_on"');
      if (stream) checkHasAudio(stream);
      clip = await loadSoundClip(this.#options.pushes.mediaDir, options.soundFile);
    }
    if (existing) this.#forget(existing.id); // a failed push is replaced

    const push = new PushTask({
      id,
      sourceName: request.sourceName,
      target,
      options,
      tracks: request.tracks ?? BOTH_TRACKS,
      ...(request.scope === undefined ? {} : { scope: request.scope }),
      ...(recording ? { recording: recording.ledger, retry: false } : {}),
      reserved: request.reserve === true,
      backoff: defaults.backoff,
      wedgeTimeoutMs: defaults.wedgeTimeoutMs,
      readerLimits: defaults.readerLimits,
      audio: defaults.audio,
      sinkContext: this.#options.sinkContext,
      logger: this.#log.child({ mediaSessionId: id, streamName: request.sourceName, targetStreamName: target.target.safeStreamName, rtmpUrl: target.target.safeUrl }),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
    });
    const path = this.#path(request.sourceName);
    this.#pushes.set(id, { push, path });
    push.on('state', () => this.emit('push-state', push.status()));
    push.on('retry', () => this.emit('push-retry', push.status()));
    push.on('close', (state, reason) => {
      if (!recording) this.#endedBytes += push.status().sentBytes;
      if (state === 'stopped') this.#pushes.delete(id);
      // A push that the gateway's shutdown stopped is started again at the next start.
      if (state === 'stopped' && reason?.code !== 'shutdown') this.#options.store?.delete(id);
    });
    recording?.ledger.on('file', (file) => this.emit('recording-file', { ...file, streamName: request.sourceName, mediaSessionId: id }));
    if (request.persist && !recording) {
      this.#options.store?.save({ id, sourceName: request.sourceName, url: request.url, fullUrl: request.fullUrl, flashVersion: request.flashVersion, options, createdTime: push.createdTime });
    }
    if (options.action === 'mute') push.audio.mute();
    if (clip) push.audio.playSound(clip, options.loop ?? false);
    push.config.logger.info({ reserved: request.reserve === true }, recording ? 'recording created' : 'push created');
    this.emit('push-state', push.status());
    path.addPush(push);
    return push.status();
  }

  async findPushes(filter: PushFilter): Promise<PushStatus[]> {
    return this.pushes()
      .filter((p) => (p.config.recording !== undefined) === (filter.recordings === true))
      .filter((p) => filter.scope === undefined || p.config.scope === filter.scope)
      .filter((p) => !filter.streamName || p.config.sourceName === filter.streamName || p.config.target.target.streamName === filter.streamName)
      .filter((p) => !filter.url || p.config.target.target.url === filter.url)
      .map((p) => p.status());
  }

  async terminatePush(id: string, reason: EndReason): Promise<void> {
    const push = this.#push(id);
    this.#forget(id);
    await push.close(reason);
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    const { audio } = this.#push(id);
    if (muted) audio.mute();
    else audio.unmute();
  }

  async soundOn(id: string, soundFile: string, loop: boolean): Promise<void> {
    const push = this.#push(id);
    const stream = this.stream(push.config.sourceName);
    if (stream) checkHasAudio(stream);
    const clip = await loadSoundClip(this.#options.pushes.mediaDir, soundFile);
    push.audio.playSound(clip, loop);
  }

  async soundOff(id: string): Promise<void> {
    this.#push(id).audio.stopSound();
  }

  /** Ends every path: pushes close their sessions cleanly, streams end (and their ingests with them). Idempotent. */
  close(reason: EndReason = EndReasons.shutdown): Promise<void> {
    this.#closing ??= Promise.all([...this.#paths.values()].map((path) => path.close(reason))).then(() => undefined);
    return this.#closing;
  }

  /** The path of `name`, made on first use. */
  #path(name: string): Path {
    let path = this.#paths.get(name);
    if (path) return path;
    path = new Path(name, {
      derivations: this.#options.derivations,
      gracePeriodMs: this.#options.gracePeriodMs,
      logger: this.#options.logger,
      clock: this.#options.clock ?? systemClock,
    });
    const made = path;
    this.#paths.set(name, made);
    made.on('published', (stream) => {
      this.emit('path-published', summarize(made));
      this.#onPublished(stream);
    });
    made.on('unpublished', (_stream, reason) => this.emit('path-unpublished', name, reason));
    made.on('idle', () => {
      if (this.#paths.get(name) !== made) return;
      this.#paths.delete(name);
      this.emit('path-removed', name);
    });
    return made;
  }

  #onPublished(stream: HubStream): void {
    const url = this.#options.pushes.autoStartUrl;
    if (!url || this.pushes().some((p) => p.config.sourceName === stream.name && p.config.target.target.url === url)) return;
    this.startPush({ sourceName: stream.name, url }).catch((err: unknown) => {
      this.#log.error({ err, streamName: stream.name }, 'auto-start push failed');
    });
  }

  /** A recording's target under record_dir; refused at record_max or without a recorder. */
  #recordingTarget(request: PushRequest, id: string) {
    const recorder = this.#options.recorder;
    if (!recorder || !request.recording) throw new GatewayError('INVALID_BODY', 'recording is not available in this process');
    const max = this.#options.pushes.maxRecordings;
    if (this.pushes().filter((p) => p.active && p.config.recording).length >= max) {
      this.#options.limits?.reached('recordings');
      throw new GatewayError('LIMIT_REACHED', `${max} recordings run already (setting record_max): stop some first`);
    }
    return recorder.target(request.recording, { streamName: request.sourceName, id });
  }

  #push(id: string): PushTask {
    const entry = this.#pushes.get(id);
    if (!entry) throw new GatewayError('TRANSPONDER_NOT_FOUND', `Transponder not found: ${id}`);
    return entry.push;
  }

  #forget(id: string): void {
    const entry = this.#pushes.get(id);
    if (!entry) return;
    this.#pushes.delete(id);
    this.#options.store?.delete(id);
    entry.path.removePush(entry.push);
  }
}

/** What a push sends unless asked otherwise. */
const BOTH_TRACKS: TrackSelection = { video: true, audio: true };

/** sound_on mixes into the push's audio: a stream without audio has none. */
function checkHasAudio(stream: HubStream): void {
  if (!stream.audio) throw new GatewayError('CONFLICT', `Stream '${stream.name}' has no audio track to play a sound into`);
}

function summarize(path: Path): PathSummary {
  const stream = path.stream;
  const params = stream?.video?.params;
  return {
    name: path.name,
    stream: stream && {
      id: stream.id,
      sourceKind: stream.source.kind,
      publisherId: stream.source.mediaSessionId,
      publishedAt: stream.publishedAt,
      tracks: stream.tracks.map((t) => ({ kind: t.kind, codec: t.codec })),
      width: params?.codec === 'h264' ? params.width : 0,
      height: params?.codec === 'h264' ? params.height : 0,
      readers: stream.readerCount,
      quality: stream.source.stats?.(),
      ingest: stream.ingestCounts(),
    },
    inGrace: path.inGrace,
    pushes: path.pushes.map((p) => p.id),
  };
}
