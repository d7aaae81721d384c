import { Vp8FormatError } from './vp8-format-error';

/** The uncompressed header at the start of every VP8 frame (RFC 6386 9.1). */
export interface Vp8FrameHeader {
  readonly keyframe: boolean;
  readonly showFrame: boolean;
  /** Size of the first partition, bytes. */
  readonly firstPartitionSize: number;
  /** Pixels; present on keyframes only. */
  readonly width?: number;
  readonly height?: number;
}

/** Parses a VP8 frame header. Throws Vp8FormatError FRAME_TRUNCATED / BAD_START_CODE. */
export function parseVp8FrameHeader(frame: Buffer): Vp8FrameHeader {
  if (frame.length < 3) throw new Vp8FormatError('FRAME_TRUNCATED', `VP8 frame of ${frame.length} bytes has no frame tag`);
  const tag = frame.readUIntLE(0, 3);
  const keyframe = (tag & 1) === 0; // the P bit: 0 = key frame
  const showFrame = (tag & 0x10) !== 0;
  const firstPartitionSize = tag >>> 5;
  if (!keyframe) return { keyframe, showFrame, firstPartitionSize };
  if (frame.length < 10) throw new Vp8FormatError('FRAME_TRUNCATED', `VP8 keyframe of ${frame.length} bytes has no size header`);
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) {
    throw new Vp8FormatError('BAD_START_CODE', 'VP8 keyframe lacks the 9d 01 2a start code');
  }
  // 14 bits of size, 2 bits of upscaling hint that do not change the coded size.
  const width = frame.readUInt16LE(6) & 0x3fff;
  const height = frame.readUInt16LE(8) & 0x3fff;
  return { keyframe, showFrame, firstPartitionSize, width, height };
}
