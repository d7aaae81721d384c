import { H264FormatError } from './h264-format-error';
import { hasChromaFormatInfo, parseSps } from './sps';

/** An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1), the payload of an FLV/RTMP AVC sequence header. */
export interface AvcDecoderConfig {
  /** profile_idc, copied from SPS byte 1. */
  readonly profileIndication: number;
  /** constraint flags byte, copied from SPS byte 2. */
  readonly profileCompatibility: number;
  /** level_idc, copied from SPS byte 3. */
  readonly levelIndication: number;
  /** Size of each NAL length prefix in the samples, bytes (1, 2 or 4). */
  readonly nalLengthSize: number;
  /** SPS NAL units (header byte included), zero-copy views of the record. */
  readonly sps: readonly Buffer[];
  /** PPS NAL units (header byte included), zero-copy views of the record. */
  readonly pps: readonly Buffer[];
}

/**
 * Builds an AVCDecoderConfigurationRecord for one SPS and one PPS (NAL header bytes included),
 * announcing 4-byte NAL lengths. For High profiles it appends the chroma format / bit depth
 * fields ISO/IEC 14496-15 requires (as ffmpeg does). Throws H264FormatError for an unparsable SPS.
 */
export function buildAvcDecoderConfig(sps: Buffer, pps: Buffer): Buffer {
  const parsed = parseSps(sps);
  if (sps.length > 0xffff || pps.length > 0xffff || pps.length === 0) {
    throw new H264FormatError('DECODER_CONFIG_INVALID', 'SPS/PPS length does not fit a decoder configuration record');
  }
  const extended = hasChromaFormatInfo(parsed.profileIdc);
  const out = Buffer.allocUnsafe(11 + sps.length + pps.length + (extended ? 4 : 0));
  out[0] = 1; // configurationVersion
  out[1] = sps[1];
  out[2] = sps[2];
  out[3] = sps[3];
  out[4] = 0xfc | 3; // 6 reserved bits, lengthSizeMinusOne = 3
  out[5] = 0xe0 | 1; // 3 reserved bits, numOfSequenceParameterSets = 1
  out.writeUInt16BE(sps.length, 6);
  sps.copy(out, 8);
  let offset = 8 + sps.length;
  out[offset++] = 1; // numOfPictureParameterSets
  out.writeUInt16BE(pps.length, offset);
  offset += 2 + pps.copy(out, offset + 2);
  if (extended) {
    out[offset++] = 0xfc | parsed.chromaFormatIdc;
    out[offset++] = 0xf8 | (parsed.bitDepthLuma - 8);
    out[offset++] = 0xf8 | (parsed.bitDepthChroma - 8);
    out[offset] = 0; // numOfSequenceParameterSetExt
  }
  return out;
}

/**
 * Parses an AVCDecoderConfigurationRecord; any number of SPS/PPS, the High profile extension ignored.
 * Throws H264FormatError DECODER_CONFIG_TRUNCATED / DECODER_CONFIG_INVALID.
 */
export function parseAvcDecoderConfig(record: Buffer): AvcDecoderConfig {
  if (record.length < 7) {
    throw new H264FormatError('DECODER_CONFIG_TRUNCATED', `decoder configuration record of ${record.length} bytes is too short`);
  }
  if (record[0] !== 1) {
    throw new H264FormatError('DECODER_CONFIG_INVALID', `unknown configurationVersion ${record[0]}`);
  }
  const nalLengthSize = (record[4] & 3) + 1;
  if (nalLengthSize === 3) {
    throw new H264FormatError('DECODER_CONFIG_INVALID', 'lengthSizeMinusOne = 2 is not allowed');
  }
  let offset = 5;
  const readSets = (count: number, what: string): Buffer[] => {
    const sets: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      if (offset + 2 > record.length) {
        throw new H264FormatError('DECODER_CONFIG_TRUNCATED', `decoder configuration record ends inside ${what} #${i}`);
      }
      const length = record.readUInt16BE(offset);
      offset += 2;
      if (offset + length > record.length) {
        throw new H264FormatError('DECODER_CONFIG_TRUNCATED', `${what} #${i} of ${length} bytes overruns the record`);
      }
      sets.push(record.subarray(offset, offset + length));
      offset += length;
    }
    return sets;
  };
  const sps = readSets(record[offset++] & 0x1f, 'SPS');
  if (offset >= record.length) {
    throw new H264FormatError('DECODER_CONFIG_TRUNCATED', 'decoder configuration record ends before the PPS count');
  }
  const pps = readSets(record[offset++], 'PPS');
  return {
    profileIndication: record[1],
    profileCompatibility: record[2],
    levelIndication: record[3],
    nalLengthSize,
    sps,
    pps,
  };
}
