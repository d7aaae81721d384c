/**
 * The marker each bench publisher puts in every access unit: an H.264 SEI NAL unit
 * (user_data_unregistered) carrying the frame's sequence number and the wall-clock time it was
 * sent. Both systems under test pass SEI through untouched, so the sink can count lost frames and
 * measure end-to-end latency without any help from them.
 *
 * The data is ASCII hex, so the NAL unit never contains two zero bytes in a row and needs no
 * emulation prevention.
 */

/** SEI payload type of user_data_unregistered (H.264 D.1). */
const USER_DATA_UNREGISTERED = 5;
const SEI_NAL_HEADER = 0x06;
/** The 16-byte UUID that identifies our SEI (ASCII, no zero bytes). */
const MARKER_UUID = Buffer.from('webrtc-rtmp-bnch', 'ascii');
const SEQUENCE_DIGITS = 8;
const SENT_AT_DIGITS = 14;
const PAYLOAD_SIZE = MARKER_UUID.length + SEQUENCE_DIGITS + SENT_AT_DIGITS;
/** NAL header, payload type, payload size, payload, rbsp trailing bits. */
const MARKER_NAL_LENGTH = 3 + PAYLOAD_SIZE + 1;

/** What a marker says about its access unit. */
export interface FrameMarker {
  /** Frame number within its stream, counting from 0 (wraps at 2^32). */
  readonly sequence: number;
  /** Wall-clock time the publisher sent the frame's first packet, ms since the epoch (µs precision). */
  readonly sentAtMs: number;
}

/** Builds the SEI NAL unit (header byte included, no start code or length) for one frame. */
export function buildFrameMarker(marker: FrameMarker): Buffer {
  const nal = Buffer.allocUnsafe(MARKER_NAL_LENGTH);
  nal[0] = SEI_NAL_HEADER;
  nal[1] = USER_DATA_UNREGISTERED;
  nal[2] = PAYLOAD_SIZE;
  MARKER_UUID.copy(nal, 3);
  const sequence = (marker.sequence >>> 0).toString(16).padStart(SEQUENCE_DIGITS, '0');
  const sentAtUs = Math.round(marker.sentAtMs * 1000).toString(16).padStart(SENT_AT_DIGITS, '0');
  nal.write(sequence + sentAtUs, 3 + MARKER_UUID.length, 'ascii');
  nal[MARKER_NAL_LENGTH - 1] = 0x80; // rbsp_stop_one_bit and alignment
  return nal;
}

/** Reads a marker from a NAL unit (header byte included); undefined when the NAL unit is not one. */
export function readFrameMarker(nal: Buffer): FrameMarker | undefined {
  if (nal.length < MARKER_NAL_LENGTH || (nal[0]! & 0x1f) !== SEI_NAL_HEADER) return undefined;
  if (nal[1] !== USER_DATA_UNREGISTERED || nal[2] !== PAYLOAD_SIZE) return undefined;
  if (!nal.subarray(3, 3 + MARKER_UUID.length).equals(MARKER_UUID)) return undefined;
  const digits = nal.toString('ascii', 3 + MARKER_UUID.length, 3 + PAYLOAD_SIZE);
  if (!/^[0-9a-f]+$/.test(digits)) return undefined;
  return {
    sequence: Number.parseInt(digits.slice(0, SEQUENCE_DIGITS), 16),
    sentAtMs: Number.parseInt(digits.slice(SEQUENCE_DIGITS), 16) / 1000,
  };
}
