import { MediaFormatError } from '../media-format-error';

/** Thrown by BitReader when a read runs past the end of its buffer. */
export class BitstreamError extends MediaFormatError<'BITSTREAM_OVERRUN' | 'EXP_GOLOMB_TOO_LONG'> {}
