/**
 * Turns RTMP's 32-bit message timestamps (ms, wrapping after about 49.7 days) into a continuous
 * number line: each step is the signed 32-bit difference to the previous timestamp, so a wrap
 * moves forward and a small step back (B-frame-free reordering between tracks) stays small.
 */
export class TimestampUnwrapper {
  #last: number | undefined;
  #extended = 0;

  /** The continuous time, ms, of a raw 32-bit timestamp; the first one is returned unchanged. */
  unwrap(timestamp: number): number {
    if (this.#last !== undefined) this.#extended += (timestamp - this.#last) | 0;
    else this.#extended = timestamp;
    this.#last = timestamp;
    return this.#extended;
  }
}
