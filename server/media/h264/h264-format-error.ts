import { MediaFormatError } from '../media-format-error';

/** Reasons an H.264 byte structure is rejected. */
export type H264ErrorCode =
  | 'AVCC_TRUNCATED'
  | 'AVCC_LENGTH_OVERRUN'
  | 'AVCC_BAD_LENGTH_SIZE'
  | 'NOT_SPS'
  | 'SPS_TRUNCATED'
  | 'SPS_INVALID'
  | 'DECODER_CONFIG_TRUNCATED'
  | 'DECODER_CONFIG_INVALID';

/** Thrown by the H.264 parsers on malformed input. */
export class H264FormatError extends MediaFormatError<H264ErrorCode> {}
