import type { Frame } from '../../server/hub/frame';
import type { AacParams, Codec, H264Params, Track, TrackParams } from '../../server/hub/track';

let nextId = 1000;

/** A stand-alone track, for tests that feed frames without a stream. */
export function track(kind: Track['kind'], codec: Codec, timescale: number, params?: TrackParams): Track {
  return { id: nextId++, kind, codec, timescale, params, derivedFrom: undefined };
}

/** A frame of `track` at `dts` (track units), pts = dts + `cts`. */
export function frameOf(on: Track, dts: number, options: { keyframe?: boolean; cts?: number; data?: Buffer; receivedAt?: number } = {}): Frame {
  return {
    track: on,
    dts,
    pts: dts + (options.cts ?? 0),
    keyframe: options.keyframe ?? on.kind === 'audio',
    data: options.data ?? Buffer.alloc(10),
    wallClock: 1_700_000_000_000 + dts,
    receivedAt: options.receivedAt,
  };
}

/** H.264 parameters of a size (the SPS and PPS are placeholders unless given). */
export function h264Params(width: number, height: number, sps = Buffer.from([0x67, 0x42, 0xc0, 0x1e]), pps = Buffer.from([0x68, 0xce, 0x3c, 0x80])): H264Params {
  return { codec: 'h264', sps, pps, width, height };
}

/** AAC parameters. */
export function aacParams(config: Buffer, sampleRate: number, channels: number): AacParams {
  return { codec: 'aac', config, sampleRate, channels };
}
