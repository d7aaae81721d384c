/** Marks kept before the consumed ones are compacted away. */
const COMPACT_AFTER = 256;

/**
 * How many milliseconds of media a connection has written that its socket has not handed to the
 * kernel yet: each written frame leaves a mark (bytes written so far, its timestamp); the oldest
 * mark not yet flushed tells how far behind the peer is. Measures a slow player in media time,
 * whatever the bitrate.
 */
export class QueuedMedia {
  #ends: number[] = [];
  #timestamps: number[] = [];
  #head = 0;
  #lastTimestamp = 0;

  /** Records a frame written at `timestampMs` after which `bytesWritten` bytes (a running total) had been written. */
  wrote(bytesWritten: number, timestampMs: number): void {
    this.#ends.push(bytesWritten);
    this.#timestamps.push(timestampMs);
    this.#lastTimestamp = timestampMs;
  }

  /** Media time still queued, ms, once `bytesFlushed` bytes (a running total) have left the socket buffer. */
  queuedMs(bytesFlushed: number): number {
    while (this.#head < this.#ends.length && this.#ends[this.#head]! <= bytesFlushed) this.#head++;
    if (this.#head >= COMPACT_AFTER) {
      this.#ends = this.#ends.slice(this.#head);
      this.#timestamps = this.#timestamps.slice(this.#head);
      this.#head = 0;
    }
    const oldest = this.#timestamps[this.#head];
    return oldest === undefined ? 0 : this.#lastTimestamp - oldest;
  }
}
