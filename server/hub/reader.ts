import { TypedEmitter } from '../events/typed-emitter';
import type { Logger } from '../log';
import { scheduleDrain, type Drainable } from './drain-scheduler';
import type { EndReason } from './end-reason';
import { dtsMs, type Frame } from './frame';
import { FrameQueue, type FrameQueueLimits } from './frame-queue';
import type { Codec, Track } from './track';

/** The tracks a reader is bound to: at most one per kind. */
export interface ReaderTracks {
  readonly video: Track | undefined;
  readonly audio: Track | undefined;
}

/** What a reader asks for. */
export interface ReaderOptions {
  /** Who reads, for logs and stats ('push', 'player', 'aac-from-opus'...). */
  readonly label: string;
  /** Codecs taken, per kind the first track whose codec is listed (made on demand when it can be derived). */
  readonly codecs: readonly Codec[];
  /** Start with the frames since the last keyframe, so the reader starts at once. Default true. */
  readonly fromCache?: boolean;
  /** Bounds of the reader's queue. */
  readonly limits: FrameQueueLimits;
}

/** Takes the frames of a reader, in order, in batches. Throwing ends this reader alone. */
export type ReaderConsumer = (frames: readonly Frame[]) => void;

/** Why a reader ended. */
export type ReaderEnd =
  | { readonly code: 'closed' }
  | { readonly code: 'stream-ended'; readonly reason: EndReason }
  | { readonly code: 'failed'; readonly error: Error };

/** Counters of a reader. */
export interface ReaderStats {
  /** Frames handed to the consumer. */
  readonly deliveredFrames: number;
  /** Frames dropped because the consumer was too slow (its queue overflowed). */
  readonly droppedFrames: number;
  /** Frames, bytes and media time waiting in the queue now. */
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  readonly queuedMs: number;
}

/** Events of a reader. */
export type StreamReaderEvents = {
  /** The tracks the reader is bound to changed (the source announced or dropped a track). */
  tracks: [tracks: ReaderTracks];
  /** The reader ended, once. */
  close: [end: ReaderEnd];
};

/** What a reader needs from its stream. */
export interface ReaderHost {
  /** Forgets the reader (its demand for derived tracks included). */
  release(reader: StreamReader): void;
}

let nextReaderId = 1;

/**
 * One consumer of a hub stream, with its own bounded queue: the stream offers it frames and never
 * waits; the consumer takes them in batches, once per event-loop turn, in its own `try`. A slow
 * consumer loses whole GOPs (counted), a throwing one is closed and logged once; neither touches
 * the publisher or the other readers. The queue starts on a keyframe of the reader's video (or
 * anywhere for audio only).
 */
export class StreamReader extends TypedEmitter<StreamReaderEvents> implements Drainable {
  /** Unique in the process, e.g. `r12`. */
  readonly id = `r${nextReaderId++}`;
  readonly label: string;
  readonly codecs: readonly Codec[];
  readonly #host: ReaderHost;
  readonly #log: Logger;
  readonly #queue: FrameQueue;
  readonly #limits: FrameQueueLimits;
  #tracks: ReaderTracks = { video: undefined, audio: undefined };
  #consumer: ReaderConsumer | undefined;
  #paused = false;
  #delivered = 0;
  #end: ReaderEnd | undefined;

  /** Made by `HubStream.addReader`; `logger` carries the stream's name and id. */
  constructor(host: ReaderHost, options: ReaderOptions, logger: Logger) {
    super();
    this.#host = host;
    this.label = options.label;
    this.codecs = options.codecs;
    this.#log = logger.child({ readerId: this.id, reader: options.label });
    this.#limits = options.limits;
    this.#queue = new FrameQueue(options.limits, undefined);
  }

  get tracks(): ReaderTracks {
    return this.#tracks;
  }

  get closed(): boolean {
    return this.#end !== undefined;
  }

  /** Why the reader ended; undefined while open. */
  get end(): ReaderEnd | undefined {
    return this.#end;
  }

  get stats(): ReaderStats {
    return {
      deliveredFrames: this.#delivered,
      droppedFrames: this.#queue.dropped,
      queuedFrames: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      queuedMs: this.#queue.spanMs,
    };
  }

  /** Starts delivering queued and future frames to `consumer`. Call once. */
  start(consumer: ReaderConsumer): void {
    if (this.#consumer) throw new Error(`reader ${this.id} started twice`);
    this.#consumer = consumer;
    this.#scheduleIfWaiting();
  }

  /** Holds delivery (the consumer's output is congested); frames queue meanwhile, within the limits. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#scheduleIfWaiting();
  }

  /** Stops reading (idempotent). */
  close(): void {
    this.#finish({ code: 'closed' });
  }

  /**
   * Called by the stream with the cached frames of the reader's tracks (a GOP): queued when they
   * fit the reader's limits; otherwise the reader starts at the next keyframe, as a reader
   * without the cache would (nothing is lost that it ever had).
   */
  replay(frames: readonly Frame[]): void {
    let bytes = 0;
    for (const frame of frames) bytes += frame.data.length;
    const first = frames[0];
    const last = frames.at(-1);
    const spanMs = first && last ? dtsMs(last) - dtsMs(first) : 0;
    if (bytes > this.#limits.maxBytes || spanMs > this.#limits.maxMs) return;
    for (const frame of frames) this.offer(frame);
  }

  /** Called by the stream: a frame of one of the reader's tracks. */
  offer(frame: Frame): void {
    if (this.#end) return;
    this.#queue.push(frame);
    this.#scheduleIfWaiting();
  }

  /** Called by the stream when the reader's tracks are (re)bound. */
  bindTracks(tracks: ReaderTracks): void {
    const changed = tracks.video !== this.#tracks.video || tracks.audio !== this.#tracks.audio;
    this.#tracks = tracks;
    this.#queue.setVideoTrack(tracks.video?.id);
    if (changed) this.emit('tracks', tracks);
  }

  /**
   * Called by the stream when it ends: a running consumer first gets what is still queued (the
   * publisher's last frames), at once, so outputs can end cleanly with them.
   */
  streamEnded(reason: EndReason): void {
    if (this.#end) return;
    this.drain();
    this.#finish({ code: 'stream-ended', reason });
  }

  /** Runs by the drain scheduler: hands the queued frames to the consumer. */
  drain(): void {
    if (this.#end || this.#paused || !this.#consumer || this.#queue.length === 0) return;
    const frames = this.#queue.takeAll();
    try {
      this.#consumer(frames);
      this.#delivered += frames.length;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.error({ err: error }, 'reader failed: it alone is closed, the stream and its other readers go on');
      this.#finish({ code: 'failed', error });
    }
  }

  #scheduleIfWaiting(): void {
    if (this.#consumer && !this.#paused && this.#queue.length > 0) scheduleDrain(this);
  }

  #finish(end: ReaderEnd): void {
    if (this.#end) return;
    this.#end = end;
    this.#queue.clear();
    this.#host.release(this);
    this.emit('close', end);
    this.removeAllListeners();
  }
}
