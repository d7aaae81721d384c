import { H264FormatError } from './h264-format-error';

/** H.264 nal_unit_type values (Table 7-1) the gateway cares about. */
export const NalType = {
  SLICE: 1,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  FILLER: 12,
} as const;

const START_CODE = Buffer.from([0, 0, 1]);

/** nal_unit_type (low 5 bits of the first byte) of a NAL unit. */
export function nalType(nal: Buffer): number {
  return nal[0] & 0x1f;
}

/**
 * Splits an Annex B byte stream into NAL units (zero-copy subarrays, start codes removed).
 * Accepts 3- and 4-byte start codes; bytes before the first start code and trailing zero
 * bytes (a 4-byte start code's leading zero, trailing_zero_8bits) are dropped.
 */
export function splitAnnexB(buf: Buffer): Buffer[] {
  const nalus: Buffer[] = [];
  let start = buf.indexOf(START_CODE);
  while (start !== -1) {
    const payloadStart = start + 3;
    const next = buf.indexOf(START_CODE, payloadStart);
    let end = next === -1 ? buf.length : next;
    // A NAL unit never ends in 0x00, so zeros before a start code belong to the stream, not the NAL.
    while (end > payloadStart && buf[end - 1] === 0) end--;
    if (end > payloadStart) nalus.push(buf.subarray(payloadStart, end));
    start = next;
  }
  return nalus;
}

/**
 * Splits length-prefixed (AVCC) NAL units into zero-copy subarrays. `lengthSize` is the size of
 * each big-endian length field in bytes (1, 2, 3 or 4; default 4). Empty NAL units are skipped.
 * Throws H264FormatError AVCC_TRUNCATED / AVCC_LENGTH_OVERRUN when a length does not fit.
 */
export function splitAvcc(buf: Buffer, lengthSize = 4): Buffer[] {
  if (lengthSize < 1 || lengthSize > 4 || !Number.isInteger(lengthSize)) {
    throw new H264FormatError('AVCC_BAD_LENGTH_SIZE', `AVCC length size must be 1..4 bytes, got ${lengthSize}`);
  }
  const nalus: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + lengthSize > buf.length) {
      throw new H264FormatError('AVCC_TRUNCATED', `AVCC length field at byte ${offset} is cut off`);
    }
    const length = buf.readUIntBE(offset, lengthSize);
    offset += lengthSize;
    if (offset + length > buf.length) {
      throw new H264FormatError(
        'AVCC_LENGTH_OVERRUN',
        `AVCC NAL unit of ${length} bytes at byte ${offset} overruns the ${buf.length}-byte buffer`,
      );
    }
    if (length > 0) nalus.push(buf.subarray(offset, offset + length));
    offset += length;
  }
  return nalus;
}

/** Joins NAL units into AVCC form (each prefixed by a 4-byte big-endian length) in one allocation. */
export function joinAvcc(nalus: readonly Buffer[]): Buffer {
  let total = 0;
  for (const nal of nalus) total += 4 + nal.length;
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const nal of nalus) {
    out.writeUInt32BE(nal.length, offset);
    nal.copy(out, offset + 4);
    offset += 4 + nal.length;
  }
  return out;
}

/** True when one of the NAL units is an IDR slice (a decoder may start there). */
export function isIdr(nalus: readonly Buffer[]): boolean {
  return nalus.some((nal) => nal.length > 0 && nalType(nal) === NalType.IDR);
}
