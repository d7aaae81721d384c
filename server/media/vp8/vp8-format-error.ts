import { MediaFormatError } from '../media-format-error';

/** Reasons a VP8 byte structure is rejected. */
export type Vp8ErrorCode = 'DESCRIPTOR_TRUNCATED' | 'FRAME_TRUNCATED' | 'BAD_START_CODE';

/** Thrown by the VP8 parsers on malformed input. */
export class Vp8FormatError extends MediaFormatError<Vp8ErrorCode> {}
