import { MediaFormatError } from '../media-format-error';

/** Reasons an Ogg stream is rejected. */
export type OggErrorCode = 'BAD_CAPTURE_PATTERN' | 'PAGE_TRUNCATED' | 'BAD_CRC' | 'BAD_VERSION' | 'PACKET_TOO_LARGE';

/** Thrown by the Ogg reader and writer. */
export class OggFormatError extends MediaFormatError<OggErrorCode> {}
