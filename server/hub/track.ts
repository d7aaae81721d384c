/** Video codecs a track may carry. Only H.264 flows through the hub today; the others have room. */
export type VideoCodec = 'h264' | 'h265' | 'vp8' | 'av1';
/** Audio codecs a track may carry. */
export type AudioCodec = 'aac' | 'opus';
/** Any codec a track may carry. */
export type Codec = VideoCodec | AudioCodec;

/** What a decoder of an H.264 track needs (the AVC sequence header of RTMP, `avcC` of MP4). */
export interface H264Params {
  readonly codec: 'h264';
  /** Sequence parameter set NAL unit, without start code. */
  readonly sps: Buffer;
  /** Picture parameter set NAL unit, without start code. */
  readonly pps: Buffer;
  /** Picture size, pixels. */
  readonly width: number;
  readonly height: number;
}

/** What a decoder of an AAC track needs. */
export interface AacParams {
  readonly codec: 'aac';
  /** AudioSpecificConfig (ISO 14496-3), e.g. 0x11 0x90 for AAC-LC 48 kHz stereo. */
  readonly config: Buffer;
  /** Output sample rate, Hz (the SBR rate for HE-AAC). */
  readonly sampleRate: number;
  readonly channels: number;
}

/** What a decoder of an Opus track needs. Opus always runs at 48 kHz. */
export interface OpusParams {
  readonly codec: 'opus';
  readonly channels: number;
}

/** Decoder parameters of a track, by codec. */
export type TrackParams = H264Params | AacParams | OpusParams;

/**
 * One elementary stream of a hub stream: a codec, a clock rate, and (once known) its decoder
 * parameters. Tracks are made by the stream (`HubStream.addTrack`); frames point at theirs.
 */
export interface Track {
  /** Unique within its stream, from 1, never reused. */
  readonly id: number;
  readonly kind: 'video' | 'audio';
  readonly codec: Codec;
  /** Units per second of the track's timestamps, Hz (90000 for WebRTC video, 48000 for Opus, 1000 for RTMP). */
  readonly timescale: number;
  /** Decoder parameters; undefined until the source has told them. Changes are announced by the stream's 'params' event. */
  readonly params: TrackParams | undefined;
  /** Id of the track this one is made from on demand (AAC from Opus), if any. */
  readonly derivedFrom: number | undefined;
}
