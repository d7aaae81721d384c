/**
 * One clock for the audio batches of every transcoder: each hands over what it gathered at the same
 * tick, in the same event-loop turn, so a codec worker gets one message per tick for all its streams
 * instead of one per stream at scattered times (each message wakes the worker with cold caches).
 * The timer runs only while some batch waits.
 */
export class BatchTicker {
  readonly periodMs: number;
  #due = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(periodMs: number) {
    this.periodMs = periodMs;
  }

  /** Calls `flush` at the next tick, once however often it is scheduled before. */
  schedule(flush: () => void): void {
    this.#due.add(flush);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.periodMs);
      this.#timer.unref();
    }
  }

  /** Forgets a scheduled flush (its owner closed). */
  cancel(flush: () => void): void {
    this.#due.delete(flush);
  }

  #tick(): void {
    const due = this.#due;
    this.#due = new Set();
    for (const flush of due) flush();
    if (this.#due.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
