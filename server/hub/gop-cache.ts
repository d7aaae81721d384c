import type { Frame } from './frame';

/** Bytes the cache may hold before it gives up on the current GOP (a GOP of ~2 s at 2.5 Mbit/s is ~0.6 MB). */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * The frames of every track since the last keyframe of the stream's video track, so a reader that
 * joins late starts on a keyframe at once instead of waiting (up to the keyframe interval) for
 * the next one. Streams without video cache nothing: audio can start anywhere.
 */
export class GopCache {
  #frames: Frame[] = [];
  #bytes = 0;
  /** False after an overflow until the next keyframe. */
  #valid = false;

  /** Records a frame just written to the stream; `videoTrackId` is the stream's video track, if it has one. */
  add(frame: Frame, videoTrackId: number | undefined): void {
    if (videoTrackId === undefined) return;
    if (frame.keyframe && frame.track.id === videoTrackId) {
      this.#frames = [];
      this.#bytes = 0;
      this.#valid = true;
    }
    if (!this.#valid) return;
    this.#bytes += frame.data.length;
    if (this.#bytes > MAX_CACHE_BYTES) {
      this.clear();
      return;
    }
    this.#frames.push(frame);
  }

  /** The cached frames, oldest first, starting with a keyframe (empty when there is none). */
  frames(): readonly Frame[] {
    return this.#frames;
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
    this.#valid = false;
  }
}
