import { dtsMs, type Frame } from './frame';

/** How much a queue may hold. */
export interface FrameQueueLimits {
  /** Bytes of frame data. */
  readonly maxBytes: number;
  /** Media time between the oldest queued frame and the newest one, ms. */
  readonly maxMs: number;
}

/**
 * A bounded FIFO of frames for one reader (MediaMTX's per-reader ring buffer). It never blocks the
 * writer: a frame that would take it past a limit empties it instead, and from then on frames are
 * dropped until one a decoder can start on, so what comes out is always decodable. Everything
 * dropped is counted. A new queue also waits for such a start (`startOnKeyframe`).
 */
export class FrameQueue {
  readonly #limits: FrameQueueLimits;
  #frames: Frame[] = [];
  #bytes = 0;
  /** Decode time of the newest frame pushed, ms. */
  #newestMs = -Infinity;
  /** True while frames are dropped until a start point (after an overflow, or before the first one). */
  #skipping: boolean;
  /** Track id of the reader's video: only its keyframes are start points. Undefined: any keyframe is. */
  #videoTrackId: number | undefined;
  /** Frames dropped because the queue overflowed (the reader was too slow). */
  dropped = 0;
  /** Times the queue overflowed. */
  overflows = 0;

  constructor(limits: FrameQueueLimits, videoTrackId: number | undefined) {
    this.#limits = limits;
    this.#videoTrackId = videoTrackId;
    this.#skipping = true;
  }

  /** Frames queued now. */
  get length(): number {
    return this.#frames.length;
  }

  /** Bytes of frame data queued now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Media time queued now, ms (0 when empty). */
  get spanMs(): number {
    const oldest = this.#frames[0];
    return oldest === undefined ? 0 : Math.max(0, this.#newestMs - dtsMs(oldest));
  }

  /** Changes which track's keyframes are start points (the reader's tracks changed). */
  setVideoTrack(trackId: number | undefined): void {
    this.#videoTrackId = trackId;
  }

  /** Appends a frame, or drops it (and on overflow everything queued) as described above. */
  push(frame: Frame): void {
    const ms = dtsMs(frame);
    if (ms > this.#newestMs) this.#newestMs = ms;
    if (this.length > 0 && (this.#bytes + frame.data.length > this.#limits.maxBytes || this.spanMs > this.#limits.maxMs)) {
      this.overflows++;
      this.dropped += this.length;
      this.clear();
      this.#skipping = true;
    }
    if (this.#skipping) {
      if (!this.#startsHere(frame) || frame.data.length > this.#limits.maxBytes) {
        if (this.overflows > 0) this.dropped++;
        return;
      }
      this.#skipping = false;
    }
    this.#frames.push(frame);
    this.#bytes += frame.data.length;
  }

  /** Removes and returns every queued frame, oldest first. */
  takeAll(): Frame[] {
    const taken = this.#frames;
    this.#frames = [];
    this.#bytes = 0;
    return taken;
  }

  /** Forgets what is queued (not counted as dropped). */
  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }

  #startsHere(frame: Frame): boolean {
    if (!frame.keyframe) return false;
    return this.#videoTrackId === undefined || frame.track.id === this.#videoTrackId;
  }
}
