import type { PushAudio, PushAudioOptions } from '../audio/push-audio';
import { systemClock, type Clock, type TimerHandle } from '../events/clock';
import { TypedEmitter } from '../events/typed-emitter';
import { EndReasons, type EndReason } from '../hub/end-reason';
import type { FrameQueueLimits } from '../hub/frame-queue';
import type { HubStream } from '../hub/stream';
import type { Logger } from '../log';
import { STOP_GRACEFULLY, type Sink } from '../sinks/sink';
import type { RecordingLedger } from '../sinks/record/recording-ledger';
import type { ResolvedTarget, SinkContext } from '../sinks/sink-kinds';
import { retryDelay, type BackoffPolicy } from './backoff';
import { PushFeed } from './push-feed';
import type { PushStatus, PushState, StartupOptions, TrackSelection } from './types';

/** How often write progress is checked, ms: a wedge is declared at most this late. */
const PROGRESS_CHECK_MS = 250;

/** Everything a push task needs, fixed at startup. */
export interface PushTaskConfig {
  /** WCS's mediaSessionId of the push. */
  readonly id: string;
  readonly sourceName: string;
  readonly target: ResolvedTarget;
  /** Options given at startup, echoed back by the API. */
  readonly options: StartupOptions;
  /** Tracks sent. */
  readonly tracks: TrackSelection;
  /** The API namespace the push was made in (see PushRequest.scope). */
  readonly scope?: string;
  /** A recording's files (its target writes into it). */
  readonly recording?: RecordingLedger;
  /** False: a failed session fails the task at once (a recording whose disk is full); default true. */
  readonly retry?: boolean;
  /** A reserved push outlives its publisher: it waits (pending) for the stream to come back. */
  readonly reserved: boolean;
  readonly backoff: BackoffPolicy;
  /** A session that takes no bytes for this long while data waits is declared wedged, ms. */
  readonly wedgeTimeoutMs: number;
  /** Bounds of the push's reader queue: beyond them whole GOPs are dropped. */
  readonly readerLimits: FrameQueueLimits;
  readonly audio: PushAudioOptions;
  /** Passed to every sink (metrics). */
  readonly sinkContext: Omit<SinkContext, 'logger'>;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** Events of a push task. */
export type PushTaskEvents = {
  state: [state: PushState];
  /** A reconnect attempt is scheduled after a failure. */
  retry: [attempt: number, error: string];
  /** The push is over (stopped or failed), once. */
  close: [state: 'stopped' | 'failed', reason: EndReason | undefined];
};

/** Thrown into a session whose target stopped taking bytes. */
export class WedgedConnectionError extends Error {
  readonly code = 'WEDGED';
}

/** One sink session and what the task watches of it. */
interface Session {
  readonly sink: Sink;
  readonly abort: AbortController;
  /** Settles when `sink.run` does. */
  done: Promise<void>;
  progressTimer: TimerHandle | undefined;
  flushed: number;
  stalledSince: number | undefined;
  /** Clock time the sink started publishing, ms; undefined before. */
  publishingSince: number | undefined;
}

/**
 * One push of one source stream to one target (WCS's "transponder"), for every kind of sink: the
 * state machine (pending, connecting, publishing, reconnecting, stopped, failed), retry with
 * backoff, wedge detection and the counters live here; what is sent lives in its PushFeed; each
 * connection is a single-shot sink from the target's kind. A reconnect and a change of source
 * (a publisher that comes back) both keep the output timeline continuous.
 */
export class PushTask extends TypedEmitter<PushTaskEvents> {
  readonly config: PushTaskConfig;
  readonly createdTime = Date.now();
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #feed: PushFeed;
  #state: PushState = 'pending';
  #streamListeners: (() => void) | undefined;
  #session: Session | undefined;
  #retryTimer: TimerHandle | undefined;
  #lastError: string | null = null;
  /** Why the source's audio is not coming while the push publishes (see AudioWatch); shown as lastError meanwhile. */
  #audioProblem: string | undefined;
  #retries = 0;
  #pastBytes = 0;
  /** Publishing time of the sessions that ended, ms. */
  #pastPublishingMs = 0;
  #startTime: number | null = null;
  #finishTime: number | null = null;
  #closing: Promise<void> | undefined;

  constructor(config: PushTaskConfig) {
    super();
    this.config = config;
    this.#log = config.logger;
    this.#clock = config.clock ?? systemClock;
    this.#feed = new PushFeed({
      tracks: config.tracks,
      readerLimits: config.readerLimits,
      audio: config.audio,
      onFailure: (error) => this.#onFeedFailure(error),
      onAudioProblem: (problem) => this.#onAudioProblem(problem),
      logger: config.logger,
      clock: this.#clock,
    });
  }

  get id(): string {
    return this.config.id;
  }

  get state(): PushState {
    return this.#state;
  }

  /** True until the push is stopped or failed. */
  get active(): boolean {
    return this.#state !== 'stopped' && this.#state !== 'failed';
  }

  /** True once the push is over (stopped or failed). */
  get closed(): boolean {
    return !this.active;
  }

  /** Mute and sound files of this push. */
  get audio(): PushAudio {
    return this.#feed.audio;
  }

  /** The push as of now, for the API. */
  status(): PushStatus {
    const sink = this.#session?.sink.stats;
    const queue = this.#feed.queue;
    const tracks = this.#feed.tracks;
    const video = tracks.video?.params;
    const session = this.#session;
    const sessionMs = session?.publishingSince === undefined ? 0 : this.#clock.now() - session.publishingSince;
    return {
      id: this.config.id,
      sourceName: this.config.sourceName,
      url: this.config.target.target.url,
      safeUrl: this.config.target.target.safeUrl,
      targetStreamName: this.config.target.target.streamName,
      safeTargetStreamName: this.config.target.target.safeStreamName,
      width: video?.codec === 'h264' ? video.width : 0,
      height: video?.codec === 'h264' ? video.height : 0,
      muted: this.audio.muted,
      soundEnabled: this.audio.soundEnabled,
      options: this.config.options,
      state: this.#state,
      lastError: this.#shownError(),
      retries: this.#retries,
      sentBytes: this.#pastBytes + (sink?.bytesSent ?? 0),
      sessionSentBytes: sink?.bytesSent ?? 0,
      sessionDurationMs: sessionMs,
      totalDurationMs: this.#pastPublishingMs + sessionMs,
      queuedBytes: (sink?.pendingBytes ?? 0) + queue.bytes,
      queuedFrames: queue.frames,
      droppedFrames: this.#feed.droppedFrames,
      sentTime: Math.round(this.#feed.sentMs),
      createdTime: this.createdTime,
      startTime: this.#startTime,
      finishTime: this.#finishTime,
      tracks: this.config.tracks,
      trackIds: [tracks.video, tracks.audio].flatMap((track) => (track ? [track.id] : [])),
      scope: this.config.scope,
      recording: this.config.recording?.status(),
    };
  }

  /** The source stream is available (published, or published again within the grace period): read it. */
  attach(stream: HubStream): void {
    if (!this.active) return;
    this.#unwatchStream();
    const onChange = (): void => this.#tryConnect();
    stream.on('params', onChange);
    stream.on('tracks', onChange);
    this.#streamListeners = () => {
      stream.off('params', onChange);
      stream.off('tracks', onChange);
    };
    this.#feed.attach(stream);
    this.#log.info({ publisher: stream.source.mediaSessionId }, 'source attached');
    this.#tryConnect();
  }

  /** The source went away but may come back (publisher grace): the session stays open, fed with the last picture and silence. */
  hold(): void {
    if (!this.active) return;
    // A held picture and silence would only pad a recording's file: it ends with its publisher
    // (a reserved one, a beam's, finishes its file and waits for the stream to come back).
    if (this.config.recording) {
      void this.sourceGone(EndReasons.sessionDisconnect);
      return;
    }
    this.#unwatchStream();
    this.#feed.hold();
  }

  /**
   * The source is gone for good: a reserved push closes its session and waits (pending) for the
   * next publish; any other push stops.
   */
  async sourceGone(reason: EndReason): Promise<void> {
    if (!this.active) return;
    this.#unwatchStream();
    if (!this.config.reserved) return this.close(reason);
    this.#log.info({ reason: reason.info }, 'source gone, the reserved push waits for it');
    this.#feed.release();
    this.#cancelRetry();
    this.#setState('pending');
    await this.#endSession(STOP_GRACEFULLY);
  }

  /** Ends the push, its session closed cleanly (RTMP: FCUnpublish, deleteStream). Idempotent: the first reason counts. */
  close(reason: EndReason): Promise<void> {
    if (!this.#closing) {
      if (this.active) this.#log.info({ reason: reason.info }, 'push stopped');
      this.#closing = this.#end('stopped', reason);
    }
    return this.#closing;
  }

  #tryConnect(): void {
    if (!this.active || this.#session || this.#retryTimer !== undefined || !this.#feed.ready) return;
    this.#open();
  }

  #open(): void {
    this.#setState(this.#retries === 0 ? 'connecting' : 'reconnecting');
    const sink = this.config.target.open({ ...this.config.sinkContext, logger: this.#log });
    const session: Session = { sink, abort: new AbortController(), done: Promise.resolve(), progressTimer: undefined, flushed: 0, stalledSince: undefined, publishingSince: undefined };
    const input = this.#feed.input(() => this.#onPublishing(session));
    session.done = sink.run(input, session.abort.signal).then(
      () => this.#sessionEnded(session, undefined),
      (error: unknown) => this.#sessionEnded(session, error instanceof Error ? error : new Error(String(error))),
    );
    session.progressTimer = this.#clock.setInterval(() => this.#checkProgress(session), PROGRESS_CHECK_MS);
    this.#session = session;
  }

  #onPublishing(session: Session): void {
    session.publishingSince = this.#clock.now();
    this.#startTime ??= Date.now();
    this.#lastError = null;
    this.#setState('publishing');
    this.#log.info({ retries: this.#retries }, 'publishing to the target');
  }

  /** `sink.run` settled: an end we did not ask for is a lost session. */
  #sessionEnded(session: Session, error: Error | undefined): void {
    if (this.#session !== session) return;
    this.#lost(error ?? new Error('the output ended'));
  }

  #onFeedFailure(error: Error): void {
    if (this.#session) this.#lost(error);
  }

  /** The source's audio stopped coming (why), or came back (undefined). The state stays publishing: WCS has no state for it. */
  #onAudioProblem(problem: string | undefined): void {
    const had = this.#audioProblem;
    this.#audioProblem = problem;
    if (problem !== undefined) this.#log.warn({ err: problem }, 'push sends no audio');
    // A watch stopped with its session (lost, ended) says nothing about the audio.
    else if (had !== undefined && this.#session) this.#log.info('push audio is back');
  }

  /** A session's failure first; while publishing, a push without its audio. */
  #shownError(): string | null {
    return this.#lastError ?? this.#audioProblem ?? null;
  }

  /** A target that stops reading leaves bytes waiting with no progress: give up on it after the wedge timeout. */
  #checkProgress(session: Session): void {
    const { bytesSent, pendingBytes } = session.sink.stats;
    const flushed = bytesSent - pendingBytes;
    if (flushed > session.flushed || pendingBytes === 0) {
      session.flushed = flushed;
      session.stalledSince = undefined;
      return;
    }
    session.stalledSince ??= this.#clock.now();
    if (this.#clock.now() - session.stalledSince >= this.config.wedgeTimeoutMs) {
      this.#lost(new WedgedConnectionError(`the target took no data for ${Math.round(this.config.wedgeTimeoutMs / 1000)} s (${pendingBytes} bytes waiting)`));
    }
  }

  /** The session failed: drop it and retry after the backoff, or fail when the attempts are used up. */
  #lost(error: Error): void {
    this.#lastError = describeError(error);
    void this.#endSession(error);
    const delay = this.config.retry === false ? undefined : retryDelay(this.config.backoff, this.#retries + 1);
    if (delay === undefined) {
      this.#log.warn({ err: this.#lastError, retries: this.#retries }, 'push failed, no retries left');
      this.#closing ??= this.#end('failed', undefined);
      return;
    }
    this.#retries++;
    this.#log.warn({ err: this.#lastError, retryInMs: delay, attempt: this.#retries }, 'push connection lost, retrying');
    this.#setState('reconnecting');
    this.emit('retry', this.#retries, this.#lastError);
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#tryConnect();
    }, delay);
  }

  /** Ends the current session: `how` is STOP_GRACEFULLY for a clean end, else the error that drops it. */
  async #endSession(how: typeof STOP_GRACEFULLY | Error): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    this.#clock.clearInterval(session.progressTimer);
    this.#feed.endSession();
    this.#pastBytes += session.sink.stats.bytesSent;
    if (session.publishingSince !== undefined) {
      this.#pastPublishingMs += this.#clock.now() - session.publishingSince;
      this.#finishTime = Date.now();
    }
    session.abort.abort(how);
    await session.done;
  }

  async #end(state: 'stopped' | 'failed', reason: EndReason | undefined): Promise<void> {
    const lastError = this.#shownError();
    this.#setState(state);
    this.#cancelRetry();
    this.#unwatchStream();
    await this.#endSession(STOP_GRACEFULLY);
    this.#logEnd(state, reason, lastError);
    this.#feed.close();
    this.emit('close', state, reason);
  }

  /**
   * One line that sums the push up, for whoever reads the log after it is gone (its logger names
   * stream, id and target). A recording has its own ('recording ended', from its sink).
   */
  #logEnd(state: 'stopped' | 'failed', reason: EndReason | undefined, lastError: string | null): void {
    if (this.config.recording) return;
    const publishingMs = Math.round(this.#pastPublishingMs);
    this.#log.info({
      state,
      ...(reason ? { reason: reason.info } : {}),
      durationMs: Date.now() - this.createdTime,
      publishingMs,
      // Named as in the 'recording ended' and 'publish ended' lines.
      bytes: this.#pastBytes,
      averageKbps: publishingMs > 0 ? Math.round((this.#pastBytes * 8) / publishingMs) : 0,
      retries: this.#retries,
      droppedFrames: this.#feed.droppedFrames,
      ...(lastError === null ? {} : { lastError }),
    }, 'push ended');
  }

  #cancelRetry(): void {
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #unwatchStream(): void {
    this.#streamListeners?.();
    this.#streamListeners = undefined;
  }

  #setState(state: PushState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

/** A one-line reason for lastError: the error's code (RTMP client errors have one) and message. */
function describeError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
