import { MediaFormatError } from '../media-format-error';

/** Reasons an Opus packet is rejected. */
export type OpusErrorCode = 'EMPTY_PACKET' | 'PACKET_TRUNCATED' | 'PACKET_INVALID' | 'BAD_FRAME_SIZE';

/** Thrown by the Opus packet helpers on malformed input. */
export class OpusFormatError extends MediaFormatError<OpusErrorCode> {}
