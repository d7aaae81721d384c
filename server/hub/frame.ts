/**
 * The unit of media that flows through the hub: one access unit of one track, with timestamps.
 *
 * Timestamps are milliseconds (fractional allowed) on the publishing source's own clock; sinks
 * rebase them to their own timeline. `receivedAt` is `performance.now()` when the first byte of
 * the frame reached the gateway, so sinks can measure the latency they add.
 */
export type Frame = VideoFrame | AudioFrame;

/** One H.264 access unit. */
export interface VideoFrame {
  readonly kind: 'video';
  readonly codec: 'h264';
  /** Presentation time, ms. */
  readonly pts: number;
  /** Decode time, ms (equal to pts unless the source uses B-frames). */
  readonly dts: number;
  /** True for an IDR access unit: a reader may start here. */
  readonly keyframe: boolean;
  /** NAL units in AVCC form: each prefixed by its 4-byte big-endian length. */
  readonly data: Buffer;
  /** `performance.now()` at arrival of the frame's first packet, ms. */
  readonly receivedAt: number;
}

/** One AAC access unit (raw, no ADTS header). */
export interface AudioFrame {
  readonly kind: 'audio';
  readonly codec: 'aac';
  /** Presentation time, ms. */
  readonly pts: number;
  /** Raw AAC frame (1024 samples for AAC-LC). */
  readonly data: Buffer;
  /** `performance.now()` at arrival of the source packet this frame was made from, ms. */
  readonly receivedAt: number;
}

/** What a reader must know to decode the video track (sent as the AVC sequence header). */
export interface VideoTrackInfo {
  readonly codec: 'h264';
  /** Sequence parameter set NAL unit, without start code. */
  readonly sps: Buffer;
  /** Picture parameter set NAL unit, without start code. */
  readonly pps: Buffer;
  readonly width: number;
  readonly height: number;
}

/** What a reader must know to decode the audio track (sent as the AAC sequence header). */
export interface AudioTrackInfo {
  readonly codec: 'aac';
  /** AudioSpecificConfig (ISO 14496-3), e.g. 0x11 0x90 for AAC-LC 48 kHz stereo. */
  readonly config: Buffer;
  readonly sampleRate: number;
  readonly channels: number;
}
