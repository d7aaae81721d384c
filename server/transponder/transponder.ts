import { TypedEmitter } from '../events/typed-emitter';
import type { AudioTrackInfo, Frame, VideoTrackInfo } from '../hub/frame';
import type { HubStream, StreamReader } from '../hub/stream';
import type { Logger } from '../log';
import type { RtmpClientError } from '../rtmp/client-errors';
import { RtmpPushSink } from '../rtmp/push-sink';
import { TransponderAudio, type TransponderAudioOptions } from '../audio/transponder-audio';
import { retryDelay, type BackoffPolicy } from './backoff';
import { GapFiller } from './gap-filler';
import { OutputTimeline } from './output-timeline';
import type { PushTarget } from './target';
import type { StartupOptions, TransponderState, TransponderView } from './types';

/** Gap left on the output timeline when a new source takes over, ms (about one video frame). */
const SOURCE_SWITCH_GAP_MS = 33;

/** Everything a transponder needs, fixed at startup. */
export interface TransponderConfig {
  mediaSessionId: string;
  sourceName: string;
  rtmpUrl: string;
  target: PushTarget;
  options: StartupOptions;
  /** A reserved push outlives its publisher: it waits (pending) for the stream to come back. */
  reserved: boolean;
  flashVer: string;
  tls: { ca?: Buffer; rejectUnauthorized: boolean };
  connectTimeoutMs: number;
  maxBufferBytes: number;
  wedgeTimeoutMs: number;
  backoff: BackoffPolicy;
  audio: TransponderAudioOptions;
  /** Told the time each frame spent in the gateway, ms (metrics). */
  onFrameWritten?: (track: 'video' | 'audio', latencyMs: number) => void;
  logger: Logger;
}

/** Events of a transponder. */
export type TransponderEvents = {
  state: [state: TransponderState];
  /** A reconnect attempt is scheduled after a failure. */
  retry: [attempt: number, error: string];
  /** The transponder is over (stopped or failed); the manager forgets stopped ones. */
  ended: [state: 'stopped' | 'failed'];
};

/**
 * One push of one source stream to one RTMP target (WCS's "transponder"). It reads the source from
 * the hub, places frames on its own output timeline and writes them through a single-shot
 * RtmpPushSink. Retry with backoff, state and counters live here; a change of source (a publisher
 * that comes back) and a change of connection (a reconnect) both keep the timeline continuous.
 */
export class Transponder extends TypedEmitter<TransponderEvents> implements StreamReader {
  readonly config: TransponderConfig;
  readonly createdTime = Date.now();
  readonly #log: Logger;
  readonly #timeline = new OutputTimeline();
  readonly #audio: TransponderAudio;
  readonly #filler: GapFiller;
  #state: TransponderState = 'pending';
  #stream: HubStream | undefined;
  #removeReader: (() => void) | undefined;
  #streamListeners: (() => void) | undefined;
  #sink: RtmpPushSink | undefined;
  #connectAbort: AbortController | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Runs while the source is away and the session is held open (publisher grace). */
  #graceTimer: NodeJS.Timeout | undefined;
  /** Output time of the first frame sent from the current source, ms. */
  #sourceStartTs = 0;
  #lastError: string | null = null;
  #retries = 0;
  #pastSessionBytes = 0;
  #pastSessionDrops = 0;
  #startTime: number | null = null;
  /** The last known track parameters: a new session, even one opened while the source is away, starts with them. */
  #videoInfo: VideoTrackInfo | undefined;
  #audioInfo: AudioTrackInfo | undefined;

  constructor(config: TransponderConfig) {
    super();
    this.config = config;
    this.#log = config.logger;
    this.#audio = new TransponderAudio(config.audio, (ts, aac, receivedAt) => this.#sink?.writeAudio(ts, aac, receivedAt, this.#hasVideo()), this.#log);
    this.#filler = new GapFiller({
      timeline: this.#timeline,
      writeVideo: (ts, frame) => this.#sink?.writeVideo(ts, frame),
      writeSilence: (ts) => this.#audio.writeSilence(ts),
    });
  }

  get state(): TransponderState {
    return this.#state;
  }

  get mediaSessionId(): string {
    return this.config.mediaSessionId;
  }

  get audio(): TransponderAudio {
    return this.#audio;
  }

  /** True while the transponder holds (or is trying to hold) a session. */
  get active(): boolean {
    return this.#state !== 'stopped' && this.#state !== 'failed';
  }

  /** The API's view, as of now. */
  view(): TransponderView {
    return {
      mediaSessionId: this.config.mediaSessionId,
      streamName: this.config.target.streamName,
      rtmpUrl: this.config.rtmpUrl,
      width: this.#videoInfo?.width ?? 0,
      height: this.#videoInfo?.height ?? 0,
      muted: this.#audio.muted,
      soundEnabled: this.#audio.soundEnabled,
      options: this.config.options,
      sourceStreamName: this.config.sourceName,
      state: this.#state,
      lastError: this.#lastError,
      retries: this.#retries,
      sentBytes: this.#pastSessionBytes + (this.#sink?.bytesSent ?? 0),
      queuedBytes: this.#sink?.bufferedBytes ?? 0,
      droppedFrames: this.#pastSessionDrops + (this.#sink?.droppedFrames ?? 0),
      sentTime: Math.max(0, this.#timeline.last),
      createdTime: this.createdTime,
      startTime: this.#startTime,
    };
  }

  /** The source stream is available (published, or published again after a gap): read it. */
  attach(stream: HubStream): void {
    if (!this.active) return;
    this.#detachStream();
    this.#stream = stream;
    this.#filler.stop();
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    const onTrackInfo = (): void => this.#onTrackInfo();
    stream.on('video-info', onTrackInfo);
    stream.on('audio-info', onTrackInfo);
    stream.on('tracks', onTrackInfo);
    this.#streamListeners = () => {
      stream.off('video-info', onTrackInfo);
      stream.off('audio-info', onTrackInfo);
      stream.off('tracks', onTrackInfo);
    };
    this.#log.info({ publisher: stream.source.mediaSessionId }, 'source attached');
    if (this.#sink) this.#startReading();
    else if (this.#retryTimer === undefined) this.#tryConnect();
  }

  /**
   * The source `stream` went away. With `holdMs` > 0 the push waits that long for it to come back,
   * its session kept open (last picture and silence, or the connection attempt goes on); otherwise
   * the push stops, or, if reserved, closes its session and waits for the next publish.
   */
  detach(stream: HubStream, reason: string, holdMs: number): void {
    if (!this.active || this.#stream !== stream) return;
    this.#detachStream();
    if (holdMs > 0) {
      this.#log.info({ reason, holdMs }, 'source gone, holding the push for its return');
      this.#filler.start();
      this.#graceTimer = setTimeout(() => this.#sourceGone(`${reason}; the stream did not come back within ${holdMs} ms`), holdMs);
    } else {
      this.#sourceGone(reason);
    }
  }

  /** Ends the push: the RTMP session is closed cleanly (FCUnpublish, deleteStream). Idempotent. */
  async stop(reason: string): Promise<void> {
    if (!this.active) return;
    this.#log.info({ reason }, 'push stopped');
    await this.#end('stopped');
  }

  #sourceGone(reason: string): void {
    this.#graceTimer = undefined;
    if (this.config.reserved) void this.#release(reason);
    else void this.stop(reason);
  }

  /** A reserved push without source: end the session, keep the push, wait for the stream. */
  async #release(reason: string): Promise<void> {
    this.#log.info({ reason }, 'source gone, reserved push waits for it');
    this.#cancelPending();
    this.#setState('pending');
    await this.#takeSession()?.close();
  }

  // StreamReader: frames of the source, in order per track.
  onFrame(frame: Frame): void {
    const sink = this.#sink;
    if (!sink) return;
    if (!this.#timeline.mapped) {
      const startsHere = frame.kind === 'video' ? frame.keyframe : !this.#hasVideo();
      if (!startsHere) return;
      this.#timeline.start(frame.kind === 'video' ? frame.dts : frame.pts, SOURCE_SWITCH_GAP_MS);
      this.#sourceStartTs = this.#timeline.map(frame.kind === 'video' ? frame.dts : frame.pts);
    }
    if (frame.kind === 'video') {
      this.#filler.rememberPicture(frame);
      sink.writeVideo(this.#timeline.map(frame.dts), frame);
    } else {
      const ts = this.#timeline.map(frame.pts);
      if (ts >= this.#sourceStartTs) this.#audio.push(ts, frame);
    }
  }

  #hasVideo(): boolean {
    return this.#stream?.source.hasVideo ?? this.#videoInfo !== undefined;
  }

  #onTrackInfo(): void {
    const stream = this.#stream;
    if (!stream) return;
    if (stream.videoInfo && stream.videoInfo !== this.#videoInfo) {
      this.#videoInfo = stream.videoInfo;
      this.#sink?.setVideoInfo(stream.videoInfo);
    }
    if (stream.audioInfo && stream.audioInfo !== this.#audioInfo) {
      this.#audioInfo = stream.audioInfo;
      this.#audio.setAudioInfo(stream.audioInfo);
      this.#sink?.setAudioInfo(stream.audioInfo);
    }
    if (!this.#sink && this.#retryTimer === undefined && !this.#connectAbort) this.#tryConnect();
  }

  /**
   * Connects once there is something to send: the source with its video parameters known (or no
   * video), or, while the source is away, the held picture of a push that lost its session.
   */
  #tryConnect(): void {
    if (this.#sink || this.#connectAbort) return;
    const stream = this.#stream;
    const ready = stream ? !stream.source.hasVideo || stream.videoInfo !== undefined : this.#filler.running && this.#videoInfo !== undefined;
    if (ready) void this.#connect();
  }

  async #connect(): Promise<void> {
    this.#setState(this.#retries === 0 ? 'connecting' : 'reconnecting');
    const sink = new RtmpPushSink({
      target: this.config.target.url,
      streamName: this.config.target.streamName,
      flashVer: this.config.flashVer,
      tls: this.config.tls,
      connectTimeoutMs: this.config.connectTimeoutMs,
      maxBufferBytes: this.config.maxBufferBytes,
      wedgeTimeoutMs: this.config.wedgeTimeoutMs,
      ...(this.config.onFrameWritten ? { onFrameWritten: this.config.onFrameWritten } : {}),
    });
    const abort = new AbortController();
    this.#connectAbort = abort;
    try {
      await sink.connect(abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return; // stopped or released meanwhile
      this.#connectAbort = undefined;
      this.#onSessionLost(err as Error);
      return;
    }
    if (abort.signal.aborted) {
      await sink.close();
      return;
    }
    this.#connectAbort = undefined;
    this.#sink = sink;
    sink.on('failed', (error) => this.#onSessionLost(error));
    this.#startTime ??= Date.now();
    this.#lastError = null;
    this.#setState('publishing');
    this.#log.info({ retries: this.#retries }, 'publishing to the target');
    if (this.#videoInfo) sink.setVideoInfo(this.#videoInfo);
    if (this.#audioInfo) sink.setAudioInfo(this.#audioInfo);
    sink.sendMetadata(this.#videoInfo, this.#audioInfo);
    if (this.#stream) this.#startReading();
  }

  /** Starts (or restarts) reading the source into the live session. */
  #startReading(): void {
    const stream = this.#stream!;
    this.#removeReader?.();
    this.#onTrackInfo();
    stream.requestKeyframe('push started');
    // The hub replays its cached GOP at once: the target gets a keyframe without waiting for one.
    this.#removeReader = stream.addReader(this);
  }

  #onSessionLost(error: Error): void {
    this.#lastError = describeError(error);
    this.#removeReader?.();
    this.#removeReader = undefined;
    this.#takeSession();
    const delay = retryDelay(this.config.backoff, this.#retries + 1);
    if (delay === undefined) {
      this.#log.warn({ err: this.#lastError, retries: this.#retries }, 'push failed, no retries left');
      void this.#end('failed');
      return;
    }
    this.#retries++;
    this.#log.warn({ err: this.#lastError, retryInMs: delay, attempt: this.#retries }, 'push connection lost, retrying');
    this.#setState('reconnecting');
    this.emit('retry', this.#retries, this.#lastError);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.active) this.#tryConnect();
    }, delay);
  }

  async #end(state: 'stopped' | 'failed'): Promise<void> {
    this.#setState(state);
    this.#cancelPending();
    this.#detachStream();
    this.#audio.close();
    await this.#takeSession()?.close();
    this.emit('ended', state);
  }

  /** Cancels what is scheduled or in flight: retry, grace period, connect attempt, filler. */
  #cancelPending(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#connectAbort?.abort();
    this.#connectAbort = undefined;
    this.#filler.stop();
  }

  /** Detaches the current session, adding its counters to the push's totals; the caller closes it. */
  #takeSession(): RtmpPushSink | undefined {
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink) {
      this.#pastSessionBytes += sink.bytesSent;
      this.#pastSessionDrops += sink.droppedFrames;
    }
    return sink;
  }

  #detachStream(): void {
    this.#removeReader?.();
    this.#removeReader = undefined;
    this.#streamListeners?.();
    this.#streamListeners = undefined;
    this.#stream = undefined;
    this.#timeline.detach();
  }

  #setState(state: TransponderState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

/** A one-line reason for lastError: the RTMP client's code and message. */
function describeError(error: Error): string {
  const code = (error as Partial<RtmpClientError>).code;
  return code ? `${code}: ${error.message}` : error.message;
}
