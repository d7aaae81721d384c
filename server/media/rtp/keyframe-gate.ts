import type { RtpPacketView } from './rtp-packet';

/**
 * The loss policy shared by the video depacketizers. After a loss (or a frame that had to be
 * dropped) later frames may reference missing pictures, so nothing is delivered until a keyframe;
 * and right after a loss, packets are skipped until one visibly begins a new frame, because the
 * lost packets may have been the start of the frame that follows them.
 */
export class KeyframeGate {
  #waitingForKeyframe = true;
  /** Skipping packets until one begins a frame; true at first, as a stream may be joined mid-frame. */
  #awaitingFrameStart = true;
  #keyframeRequestPending = false;
  /** A keyframe was requested since the last keyframe went through (avoids one PLI per refused frame). */
  #requestedSinceKeyframe = false;
  #lastTimestamp: number | undefined;
  #lastMarker = false;

  /** True while frames are refused until the next keyframe. */
  get waitingForKeyframe(): boolean {
    return this.#waitingForKeyframe;
  }

  /** Packets were lost: the frame in progress is damaged and the next packets may be a frame's remains. */
  lost(): void {
    this.#awaitingFrameStart = true;
    this.damaged();
  }

  /** A frame was dropped (unusable payload): wait for a keyframe. */
  damaged(): void {
    this.#waitingForKeyframe = true;
    this.#requestKeyframe();
  }

  /**
   * Whether to depacketize `packet`. After a loss, only a packet that begins a frame
   * (`beginsFrame`, judged by the codec) on a new RTP timestamp ends the skipping.
   */
  passPacket(packet: RtpPacketView, beginsFrame: boolean): boolean {
    const newFrame = packet.timestamp !== this.#lastTimestamp || this.#lastMarker;
    this.#lastTimestamp = packet.timestamp;
    this.#lastMarker = packet.marker;
    if (this.#awaitingFrameStart && newFrame && beginsFrame) this.#awaitingFrameStart = false;
    return !this.#awaitingFrameStart;
  }

  /** Whether a complete frame may be delivered; a keyframe ends the wait. */
  admitFrame(keyframe: boolean): boolean {
    if (keyframe) {
      this.#waitingForKeyframe = false;
      this.#requestedSinceKeyframe = false;
    } else if (this.#waitingForKeyframe && !this.#requestedSinceKeyframe) {
      // Typically the stream's first frames: nothing was lost yet, but a keyframe is still needed.
      this.#requestKeyframe();
    }
    return !this.#waitingForKeyframe;
  }

  /** True once after each keyframe request (then false until the next one). */
  takeKeyframeRequest(): boolean {
    const pending = this.#keyframeRequestPending;
    this.#keyframeRequestPending = false;
    return pending;
  }

  #requestKeyframe(): void {
    this.#keyframeRequestPending = true;
    this.#requestedSinceKeyframe = true;
  }
}
