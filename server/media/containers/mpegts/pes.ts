/** 2^33: PTS, DTS and the PCR base count 90 kHz ticks modulo this. */
export const TIMESTAMP_MODULO = 2 ** 33;

/** stream_id of the first MPEG video stream (H.264 uses it too). */
export const STREAM_ID_VIDEO = 0xe0;
/** stream_id of the first MPEG audio stream (AAC uses it too). */
export const STREAM_ID_AUDIO = 0xc0;

/** Bytes of a PES header with a PTS only, and with PTS and DTS. */
export const PES_HEADER_LENGTH_PTS = 14;
export const PES_HEADER_LENGTH_PTS_DTS = 19;

/** What a PES header (ISO/IEC 13818-1 2.4.3.6) says. */
export interface PesHeaderFields {
  readonly streamId: number;
  /** 90 kHz; taken modulo 2^33. */
  readonly pts: number;
  /** 90 kHz; undefined writes a PTS only (the DTS is then the PTS). */
  readonly dts: number | undefined;
  /** Bytes of elementary stream data after the header; undefined writes PES_packet_length 0 (unbounded, video only). */
  readonly payloadLength: number | undefined;
  /** The payload starts with an access unit (data_alignment_indicator). */
  readonly dataAlignment: boolean;
}

/** `ticks` modulo 2^33, as a non-negative integer (works for negative inputs). */
export function wrapTimestamp(ticks: number): number {
  const wrapped = ticks % TIMESTAMP_MODULO;
  return wrapped < 0 ? wrapped + TIMESTAMP_MODULO : wrapped;
}

/** Bytes of the PES header `writePesHeader` writes. */
export function pesHeaderLength(withDts: boolean): number {
  return withDts ? PES_HEADER_LENGTH_PTS_DTS : PES_HEADER_LENGTH_PTS;
}

/** Writes the PES header at `offset`; returns its length. Throws RangeError if a bounded length exceeds 16 bits. */
export function writePesHeader(out: Uint8Array, offset: number, fields: PesHeaderFields): number {
  const withDts = fields.dts !== undefined;
  const headerLength = pesHeaderLength(withDts);
  const packetLength = fields.payloadLength === undefined ? 0 : headerLength - 6 + fields.payloadLength;
  if (packetLength > 0xffff) throw new RangeError(`PES_packet_length ${packetLength} does not fit 16 bits`);
  out[offset] = 0;
  out[offset + 1] = 0;
  out[offset + 2] = 1;
  out[offset + 3] = fields.streamId;
  out[offset + 4] = packetLength >> 8;
  out[offset + 5] = packetLength & 0xff;
  out[offset + 6] = fields.dataAlignment ? 0x84 : 0x80; // '10', not scrambled, no priority
  out[offset + 7] = withDts ? 0xc0 : 0x80; // PTS_DTS_flags
  out[offset + 8] = headerLength - 9; // PES_header_data_length
  writeTimestamp(out, offset + 9, withDts ? 0x3 : 0x2, fields.pts);
  if (withDts) writeTimestamp(out, offset + 14, 0x1, fields.dts!);
  return headerLength;
}

/** The 5-byte PTS/DTS field: 4-bit prefix, then 3 + 15 + 15 bits, each part closed by a marker bit. */
function writeTimestamp(out: Uint8Array, offset: number, prefix: number, ticks: number): void {
  const ts = wrapTimestamp(ticks);
  // Bits 32..30 need a division: JavaScript bit operators only see 32 bits.
  const high = Math.floor(ts / 2 ** 30);
  const low = ts % 2 ** 30;
  out[offset] = (prefix << 4) | (high << 1) | 1;
  out[offset + 1] = low >>> 22;
  out[offset + 2] = ((low >>> 14) & 0xfe) | 1;
  out[offset + 3] = (low >>> 7) & 0xff;
  out[offset + 4] = ((low << 1) & 0xfe) | 1;
}
