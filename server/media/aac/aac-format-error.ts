import { MediaFormatError } from '../media-format-error';

/** Reasons an AAC byte structure is rejected. */
export type AacErrorCode =
  | 'ASC_TRUNCATED'
  | 'ASC_INVALID'
  | 'ADTS_TRUNCATED'
  | 'ADTS_BAD_SYNC'
  | 'ADTS_INVALID'
  | 'ADTS_UNSUPPORTED';

/** Thrown by the AAC parsers and builders on malformed input or unrepresentable parameters. */
export class AacFormatError extends MediaFormatError<AacErrorCode> {}
