/**
 * How long audio of a stream with video may wait for the next video frame, ms. A socket write is a
 * system call, the largest cost of an RTMP output; audio that leaves with the next video frame in
 * one write halves their number. Past this wait audio goes on its own, so a stream whose video
 * stalls keeps its sound.
 */
export const AUDIO_HOLD_MS = 40;

/** Audio frames (of any shape) waiting for the next video frame, oldest first. */
export class AudioHold<T> {
  #items: T[] = [];
  #oldestAt = 0;

  /** Holds `item`; true when the oldest one has waited AUDIO_HOLD_MS and everything should go now. */
  add(item: T, now = performance.now()): boolean {
    if (this.#items.length === 0) this.#oldestAt = now;
    this.#items.push(item);
    return now - this.#oldestAt >= AUDIO_HOLD_MS;
  }

  /** Removes and returns what is held, oldest first. */
  take(): T[] {
    const items = this.#items;
    if (items.length > 0) this.#items = [];
    return items;
  }
}
