import { MediaFormatError } from '../../media-format-error';

/** Reasons MP4 input is refused: samples the writer cannot take, files the reader cannot use. */
export type Mp4ErrorCode =
  | 'MP4_BAD_TIMESTAMP'
  | 'MP4_DTS_BACKWARDS'
  | 'MP4_PTS_BEFORE_DTS'
  | 'MP4_EMPTY_SAMPLE'
  | 'MP4_BAD_BOX_SIZE'
  | 'MP4_TRUNCATED'
  | 'MP4_MISSING_BOX'
  | 'MP4_BAD_SAMPLE_RANGE'
  | 'MP4_UNSUPPORTED'
  | 'MP4_NO_SAMPLES';

/** Thrown by the MP4 writer on a sample it refuses, and by the reader on a file it cannot use. */
export class Mp4FormatError extends MediaFormatError<Mp4ErrorCode> {}
