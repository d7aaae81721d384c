/**
 * The timeline of one push, in integer milliseconds as RTMP carries them. Source timestamps map onto it
 * relative to the keyframe the push started from, so the target sees time start near 0 and run on
 * without jumps: across reconnects to the target (same source, same mapping) and across a change of
 * source (a publisher that comes back continues right after the last frame sent).
 */
export class OutputTimeline {
  /** Source pts that maps to `#origin`, ms. */
  #sourceBase: number | undefined;
  #origin = 0;
  /** Highest timestamp handed out, ms. */
  #last = -1;

  /** True once a source is mapped. */
  get mapped(): boolean {
    return this.#sourceBase !== undefined;
  }

  /** Highest output timestamp handed out so far, ms (-1 before the first). */
  get last(): number {
    return this.#last;
  }

  /**
   * Maps a (new) source whose first frame to send has timestamp `sourcePts`: it lands at 0 on a
   * fresh timeline, or `gapMs` after the last frame sent.
   */
  start(sourcePts: number, gapMs: number): void {
    this.#origin = this.#last < 0 ? 0 : this.#last + gapMs;
    this.#sourceBase = sourcePts;
  }

  /** Forgets the source mapping (the source went away); the timeline itself goes on. */
  detach(): void {
    this.#sourceBase = undefined;
  }

  /** Output timestamp of a source timestamp; negative for frames from before the start point. */
  map(sourcePts: number): number {
    if (this.#sourceBase === undefined) throw new Error('OutputTimeline.map before start');
    const ts = Math.round(sourcePts - this.#sourceBase + this.#origin);
    if (ts > this.#last) this.#last = ts;
    return ts;
  }

  /** Records a timestamp produced without a source (filler during a publisher gap). */
  advanceTo(ts: number): void {
    if (ts > this.#last) this.#last = ts;
  }
}
