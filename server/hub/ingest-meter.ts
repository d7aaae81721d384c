/** Seconds of history the rates are taken over (the current second, partly elapsed, is the last). */
const WINDOW_SECONDS = 5;
/** Shortest span a rate is given for: a stream younger than this has rate 0, ms. */
const MIN_SPAN_MS = 200;

/** What a stream's publisher has brought into the hub: counters since the publish and current rates. */
export interface IngestCounts {
  /** Media bytes of the frames written (payload: AVCC access units, raw AAC, Opus packets). */
  readonly bytes: number;
  readonly videoFrames: number;
  readonly audioFrames: number;
  /** bit/s of those bytes over the last few seconds. */
  readonly bitrate: number;
  /** Video frames per second over the last few seconds. */
  readonly fps: number;
}

/**
 * Counts the frames a publisher writes into its stream, and their rate over a sliding window of
 * one-second slots: a few numbers per frame, nothing allocated. `now` is a monotonic ms clock.
 */
export class IngestMeter {
  readonly #now: () => number;
  readonly #startedAt: number;
  #bytes = 0;
  #videoFrames = 0;
  #audioFrames = 0;
  /** The second (of `now`) each slot counts; -1: none yet. */
  readonly #slotSecond = new Float64Array(WINDOW_SECONDS).fill(-1);
  readonly #slotBytes = new Float64Array(WINDOW_SECONDS);
  readonly #slotVideoFrames = new Float64Array(WINDOW_SECONDS);

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#startedAt = now();
  }

  /** One frame written. */
  add(kind: 'video' | 'audio', bytes: number): void {
    this.#bytes += bytes;
    const video = kind === 'video';
    if (video) this.#videoFrames++;
    else this.#audioFrames++;
    const second = Math.floor(this.#now() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.#slotSecond[slot] !== second) {
      this.#slotSecond[slot] = second;
      this.#slotBytes[slot] = 0;
      this.#slotVideoFrames[slot] = 0;
    }
    this.#slotBytes[slot]! += bytes;
    if (video) this.#slotVideoFrames[slot]!++;
  }

  counts(): IngestCounts {
    const now = this.#now();
    const current = Math.floor(now / 1000);
    let bytes = 0;
    let frames = 0;
    for (let slot = 0; slot < WINDOW_SECONDS; slot++) {
      if (this.#slotSecond[slot]! <= current - WINDOW_SECONDS) continue;
      bytes += this.#slotBytes[slot]!;
      frames += this.#slotVideoFrames[slot]!;
    }
    const spanMs = now - Math.max(this.#startedAt, (current - WINDOW_SECONDS + 1) * 1000);
    const perSecond = (count: number): number => (spanMs < MIN_SPAN_MS ? 0 : (count * 1000) / spanMs);
    return {
      bytes: this.#bytes,
      videoFrames: this.#videoFrames,
      audioFrames: this.#audioFrames,
      bitrate: Math.round(perSecond(bytes * 8)),
      fps: Math.round(perSecond(frames) * 10) / 10,
    };
  }
}
