import { Vp8FormatError } from './vp8-format-error';

/** The VP8 payload descriptor at the start of every VP8 RTP payload (RFC 7741 4.2). */
export interface Vp8PayloadDescriptor {
  /** Descriptor size; the VP8 data starts at this offset, bytes. */
  readonly length: number;
  /** N: the frame is not used as a reference, it may be discarded. */
  readonly nonReference: boolean;
  /** S: the packet starts a VP8 partition. */
  readonly startOfPartition: boolean;
  /** PID: partition index (0 for the first partition). */
  readonly partitionIndex: number;
  /** PictureID (7 or 15 bits), when present. */
  readonly pictureId: number | undefined;
  /** TL0PICIDX, when present. */
  readonly tl0PicIdx: number | undefined;
  /** TID temporal layer index, when present. */
  readonly temporalLayer: number | undefined;
  /** KEYIDX, when present. */
  readonly keyIndex: number | undefined;
}

/** Parses the payload descriptor of a VP8 RTP payload. Throws Vp8FormatError DESCRIPTOR_TRUNCATED. */
export function parseVp8PayloadDescriptor(payload: Buffer): Vp8PayloadDescriptor {
  const byteAt = (offset: number): number => {
    const byte = payload[offset];
    if (byte === undefined) {
      throw new Vp8FormatError('DESCRIPTOR_TRUNCATED', `VP8 payload descriptor ends at byte ${offset} of ${payload.length}`);
    }
    return byte;
  };
  const first = byteAt(0);
  let offset = 1;
  let pictureId: number | undefined;
  let tl0PicIdx: number | undefined;
  let temporalLayer: number | undefined;
  let keyIndex: number | undefined;
  if ((first & 0x80) !== 0) {
    const extension = byteAt(offset++);
    if ((extension & 0x80) !== 0) {
      const high = byteAt(offset++);
      // M bit set: a 15-bit PictureID spread over two bytes.
      pictureId = (high & 0x80) !== 0 ? ((high & 0x7f) << 8) | byteAt(offset++) : high;
    }
    if ((extension & 0x40) !== 0) tl0PicIdx = byteAt(offset++);
    if ((extension & 0x30) !== 0) {
      const tidKeyIdx = byteAt(offset++);
      if ((extension & 0x20) !== 0) temporalLayer = tidKeyIdx >> 6;
      if ((extension & 0x10) !== 0) keyIndex = tidKeyIdx & 0x1f;
    }
  }
  if (offset >= payload.length) {
    throw new Vp8FormatError('DESCRIPTOR_TRUNCATED', 'VP8 RTP payload carries a descriptor but no VP8 data');
  }
  return {
    length: offset,
    nonReference: (first & 0x20) !== 0,
    startOfPartition: (first & 0x10) !== 0,
    partitionIndex: first & 0x07,
    pictureId,
    tl0PicIdx,
    temporalLayer,
    keyIndex,
  };
}
