import { MediaFormatError } from '../media-format-error';

/** Reasons a WAV file is rejected. */
export type WavErrorCode =
  | 'NOT_RIFF'
  | 'NOT_WAVE'
  | 'TRUNCATED'
  | 'MISSING_FMT'
  | 'BAD_FMT'
  | 'MISSING_DATA'
  | 'NO_CHANNELS'
  | 'TOO_MANY_CHANNELS'
  | 'UNSUPPORTED_ENCODING'
  | 'UNSUPPORTED_BIT_DEPTH'
  | 'UNSUPPORTED_SAMPLE_RATE'
  | 'BLOCK_ALIGN_MISMATCH';

/** Thrown by the WAV reader; `message` is meant for the uploader (an HTTP 400 body). */
export class WavFormatError extends MediaFormatError<WavErrorCode> {}
