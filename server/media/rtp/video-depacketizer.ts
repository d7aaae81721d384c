import type { RtpStreamItem } from './rtp-packet';

/** What one `push` into a video depacketizer produced. */
export interface DepacketizeResult<F> {
  /** Complete, undamaged frames, in decode order. */
  readonly frames: F[];
  /**
   * True when the caller should ask the sender for a keyframe (RTCP PLI) now: data was lost or
   * unusable and frames are held back until the next keyframe. Callers should rate-limit PLIs.
   */
  readonly needKeyframe: boolean;
}

/** Turns in-order RTP packets (with loss markers) into frames of one video codec. */
export interface VideoDepacketizer<F> {
  push(item: RtpStreamItem): DepacketizeResult<F>;
  /** True while frames are discarded until the next keyframe (at the start and after any loss). */
  readonly waitingForKeyframe: boolean;
}
