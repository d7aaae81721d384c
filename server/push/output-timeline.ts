/**
 * The timeline of one push, in milliseconds. Source times map onto it relative to the keyframe the
 * push started from, so the target sees time start near 0 and run on without jumps: across
 * reconnects to the target (same source, same mapping) and across a change of source (a publisher
 * that comes back continues right after the last frame sent).
 */
export class OutputTimeline {
  /** Source time that maps to `#origin`, ms. */
  #sourceBase: number | undefined;
  #origin = 0;
  /** Latest time handed out, ms. */
  #last = -Infinity;

  /** True once a source is mapped. */
  get mapped(): boolean {
    return this.#sourceBase !== undefined;
  }

  /** Latest output time handed out so far, ms (-Infinity before the first). */
  get last(): number {
    return this.#last;
  }

  /**
   * Maps a (new) source whose first frame to send is at `sourceMs`: it lands at 0 on a fresh
   * timeline, or `gapMs` after the latest time handed out.
   */
  start(sourceMs: number, gapMs: number): void {
    this.#origin = this.#last === -Infinity ? 0 : this.#last + gapMs;
    this.#sourceBase = sourceMs;
  }

  /** Forgets the source mapping (the source went away); the timeline itself goes on. */
  detach(): void {
    this.#sourceBase = undefined;
  }

  /** Output time of a source time, ms; negative for times before the start point. */
  map(sourceMs: number): number {
    if (this.#sourceBase === undefined) throw new Error('OutputTimeline.map before start');
    const ms = sourceMs - this.#sourceBase + this.#origin;
    if (ms > this.#last) this.#last = ms;
    return ms;
  }

  /** Records a time produced without a source (filler during a publisher gap), ms. */
  advanceTo(ms: number): void {
    if (ms > this.#last) this.#last = ms;
  }
}
