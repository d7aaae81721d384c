import { AacFormatError } from './aac-format-error';
import { AAC_CHANNEL_COUNTS, AAC_SAMPLE_RATES, samplingFrequencyIndex } from './aac-tables';

/** Length of an ADTS header without CRC, bytes. */
export const ADTS_HEADER_LENGTH = 7;

/** Largest frame an ADTS header can describe (13-bit aac_frame_length), bytes. */
const MAX_FRAME_LENGTH = 0x1fff;

/** One ADTS header (ISO/IEC 14496-3 1.A.2.2). */
export interface AdtsHeader {
  /** Audio object type = profile + 1 (2 for AAC-LC). */
  readonly objectType: number;
  readonly samplingFrequencyIndex: number;
  /** Hz. */
  readonly sampleRate: number;
  readonly channelConfiguration: number;
  readonly channels: number;
  /** 7 bytes, or 9 when a CRC follows (protection_absent = 0). */
  readonly headerLength: number;
  /** Whole frame including the header, bytes. */
  readonly frameLength: number;
  /** number_of_raw_data_blocks_in_frame + 1 (1 for nearly every encoder). */
  readonly rawDataBlocks: number;
}

/** True when bytes at `offset` start with the 12-bit syncword and layer 0: a header may begin here. */
export function isAdtsSync(buf: Buffer, offset: number): boolean {
  return buf[offset] === 0xff && ((buf[offset + 1] ?? 0) & 0xf6) === 0xf0;
}

/**
 * Parses the ADTS header at `offset` (default 0). Throws AacFormatError ADTS_TRUNCATED (fewer than
 * 7 bytes), ADTS_BAD_SYNC, ADTS_INVALID (reserved values, frame shorter than its header),
 * ADTS_UNSUPPORTED (channel configuration 0, i.e. an in-band PCE).
 */
export function parseAdtsHeader(buf: Buffer, offset = 0): AdtsHeader {
  if (buf.length - offset < ADTS_HEADER_LENGTH) {
    throw new AacFormatError('ADTS_TRUNCATED', `ADTS header needs 7 bytes, ${Math.max(0, buf.length - offset)} present`);
  }
  if (!isAdtsSync(buf, offset)) {
    throw new AacFormatError('ADTS_BAD_SYNC', `no ADTS syncword at byte ${offset}`);
  }
  const b1 = buf[offset + 1];
  const b2 = buf[offset + 2];
  const b3 = buf[offset + 3];
  const protectionAbsent = (b1 & 1) === 1;
  const objectType = (b2 >> 6) + 1;
  const frequencyIndex = (b2 >> 2) & 0x0f;
  const sampleRate = AAC_SAMPLE_RATES[frequencyIndex];
  if (sampleRate === undefined) {
    throw new AacFormatError('ADTS_INVALID', `reserved ADTS sampling_frequency_index ${frequencyIndex}`);
  }
  const channelConfiguration = ((b2 & 1) << 2) | (b3 >> 6);
  if (channelConfiguration === 0) {
    throw new AacFormatError('ADTS_UNSUPPORTED', 'ADTS channel_configuration 0 (program_config_element) is not supported');
  }
  const frameLength = ((b3 & 3) << 11) | (buf[offset + 4] << 3) | (buf[offset + 5] >> 5);
  const headerLength = protectionAbsent ? ADTS_HEADER_LENGTH : ADTS_HEADER_LENGTH + 2;
  if (frameLength <= headerLength) {
    throw new AacFormatError('ADTS_INVALID', `ADTS frame length ${frameLength} does not exceed its ${headerLength}-byte header`);
  }
  return {
    objectType,
    samplingFrequencyIndex: frequencyIndex,
    sampleRate,
    channelConfiguration,
    channels: AAC_CHANNEL_COUNTS[channelConfiguration],
    headerLength,
    frameLength,
    rawDataBlocks: (buf[offset + 6] & 3) + 1,
  };
}

/**
 * Builds a 7-byte ADTS header (MPEG-4, no CRC, one raw data block, buffer fullness 0x7FF = VBR)
 * for a raw AAC frame of `payloadLength` bytes.
 */
export function buildAdtsHeader(objectType: number, sampleRate: number, channels: number, payloadLength: number): Buffer {
  const frequencyIndex = samplingFrequencyIndex(sampleRate);
  const channelConfiguration = AAC_CHANNEL_COUNTS.indexOf(channels);
  const frameLength = ADTS_HEADER_LENGTH + payloadLength;
  if (objectType < 1 || objectType > 4 || frequencyIndex === -1 || channelConfiguration < 1 || frameLength > MAX_FRAME_LENGTH) {
    throw new AacFormatError(
      'ADTS_INVALID',
      `ADTS cannot carry object type ${objectType}, ${sampleRate} Hz, ${channels} channels, ${payloadLength} bytes`,
    );
  }
  const header = Buffer.allocUnsafe(ADTS_HEADER_LENGTH);
  header[0] = 0xff;
  header[1] = 0xf1; // syncword low bits, MPEG-4, layer 0, protection_absent
  header[2] = ((objectType - 1) << 6) | (frequencyIndex << 2) | (channelConfiguration >> 2);
  header[3] = ((channelConfiguration & 3) << 6) | (frameLength >> 11);
  header[4] = (frameLength >> 3) & 0xff;
  header[5] = ((frameLength & 7) << 5) | 0x1f;
  header[6] = 0xfc;
  return header;
}
