import type { FragmentSample, TrackFragment } from './fragment';

/** A sample accepted by the writer, its time rebased to the file's origin, its duration not yet known. */
export interface PendingSample {
  readonly data: Buffer;
  /** Decode time from the file's time 0, in the track's timescale. */
  readonly dts: number;
  readonly compositionOffset: number;
  readonly sync: boolean;
}

/**
 * The samples of one track on their way into fragments. A sample's duration is the distance to
 * the next sample's decode time, so the newest sample is held until its successor arrives (or
 * the recording ends); the samples before it are ready for the open fragment.
 */
export class TrackQueue {
  readonly trackId: number;
  readonly timescale: number;
  /** Duration given to a last sample that has no predecessor to copy it from. */
  readonly #fallbackDuration: number;
  readonly #compositionOffsets: boolean;
  #held: PendingSample | undefined;
  #ready: FragmentSample[] = [];
  /** Decode times where the ready samples start and end. */
  #readyStart = 0;
  #readyEnd = 0;
  #lastDuration: number | undefined;
  /** Samples in fragments handed out, and the decode time where the last of them ends. */
  #written = 0;
  #writtenEnd = 0;

  constructor(trackId: number, timescale: number, fallbackDuration: number, compositionOffsets: boolean) {
    this.trackId = trackId;
    this.timescale = timescale;
    this.#fallbackDuration = fallbackDuration;
    this.#compositionOffsets = compositionOffsets;
  }

  /** Whether a sample was ever accepted: before that, a sample that cannot start the track is dropped. */
  get started(): boolean {
    return this.#held !== undefined || this.#written > 0;
  }

  /** Decode time of the held sample, which later samples must not precede. */
  get lastDts(): number | undefined {
    return this.#held?.dts;
  }

  get hasReady(): boolean {
    return this.#ready.length > 0;
  }

  /** Start and end of the ready samples, seconds from time 0 (only meaningful when hasReady). */
  get readySpanSeconds(): { start: number; end: number } {
    return { start: this.#readyStart / this.timescale, end: this.#readyEnd / this.timescale };
  }

  get written(): number {
    return this.#written;
  }

  /** End of the samples in fragments handed out, seconds from time 0. */
  get writtenEndSeconds(): number {
    return this.#writtenEnd / this.timescale;
  }

  /** Holds `sample`, making the previously held one ready with its now known duration. */
  push(sample: PendingSample): void {
    if (this.#held) this.#makeReady(this.#held, sample.dts - this.#held.dts);
    this.#held = sample;
  }

  /** Makes the held sample ready with the last known duration (or the fallback): the recording ends. */
  release(): void {
    if (this.#held) this.#makeReady(this.#held, this.#lastDuration ?? this.#fallbackDuration);
    this.#held = undefined;
  }

  /** Hands the ready samples over to a fragment (undefined when there are none). */
  take(): TrackFragment | undefined {
    if (this.#ready.length === 0) return undefined;
    const samples = this.#ready;
    const baseDecodeTime = this.#readyStart;
    this.#ready = [];
    this.#written += samples.length;
    this.#writtenEnd = this.#readyEnd;
    return { trackId: this.trackId, baseDecodeTime, samples, compositionOffsets: this.#compositionOffsets };
  }

  #makeReady(sample: PendingSample, duration: number): void {
    if (this.#ready.length === 0) this.#readyStart = sample.dts;
    this.#ready.push({ data: sample.data, duration, sync: sample.sync, compositionOffset: sample.compositionOffset });
    this.#readyEnd = sample.dts + duration;
    this.#lastDuration = duration;
  }
}
