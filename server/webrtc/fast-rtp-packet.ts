import { RtpHeader, RtpPacket } from 'werift';
import { MediaFormatError } from '../media/media-format-error';

/** RFC 8285 header extension profiles. */
const ONE_BYTE_PROFILE = 0xbede;
const TWO_BYTE_PROFILE = 0x1000;
const FIXED_HEADER_BYTES = 12;

/** Stable reasons an RTP packet cannot be parsed. */
export type RtpParseErrorCode = 'RTP_TOO_SHORT' | 'RTP_CSRC_OVERRUN' | 'RTP_EXTENSION_OVERRUN';

/** An RTP packet too short for what its header announces. */
export class RtpParseError extends MediaFormatError<RtpParseErrorCode> {}

/** A header extension as werift represents it. */
interface HeaderExtension {
  id: number;
  payload: Buffer;
}

let installed = false;

/**
 * Makes werift build its per-packet RTP objects without running their constructors. werift
 * compiles class fields to `Object.defineProperty` calls, which V8 cannot optimise: an RtpHeader
 * costs 16 of them, and every received packet makes three (parse, then a clone per track): about
 * 9 µs of the gateway's per-packet cost (measured). Installed, `RtpPacket.deSerialize` and
 * `RtpPacket.prototype.clone` create the same objects — same prototypes, same own fields, same
 * values — by plain assignment.
 *
 * Call once at start-up; idempotent. Both replacements are reached through werift's exported
 * RtpPacket class, which werift itself calls at run time.
 */
export function installFastRtpPackets(): void {
  if (installed) return;
  RtpPacket.deSerialize = parseRtpPacket;
  RtpPacket.prototype.clone = function cloneRtpPacket(this: RtpPacket): RtpPacket {
    return makePacket(copyHeader(this.header), this.payload);
  };
  installed = true;
}

/**
 * Parses an RTP packet into the objects werift's RtpPacket.deSerialize makes, with the same field
 * values. Where werift would read past the end (and throw a RangeError) this throws RtpParseError.
 */
export function parseRtpPacket(buf: Buffer): RtpPacket {
  if (buf.length < FIXED_HEADER_BYTES) throw new RtpParseError('RTP_TOO_SHORT', `RTP packet of ${buf.length} bytes`);
  const first = buf[0]!;
  const second = buf[1]!;
  const header = newHeader();
  header.version = first >> 6;
  header.padding = (first & 0x20) !== 0;
  header.extension = (first & 0x10) !== 0;
  header.marker = (second & 0x80) !== 0;
  header.payloadType = second & 0x7f;
  header.sequenceNumber = buf.readUInt16BE(2);
  header.timestamp = buf.readUInt32BE(4);
  header.ssrc = buf.readUInt32BE(8);
  header.csrcLength = first & 0x0f;
  let offset = FIXED_HEADER_BYTES;
  if (offset + header.csrcLength * 4 > buf.length) throw new RtpParseError('RTP_CSRC_OVERRUN', `${header.csrcLength} CSRCs in a ${buf.length}-byte packet`);
  for (let i = 0; i < header.csrcLength; i++, offset += 4) header.csrc.push(buf.readUInt32BE(offset));
  if (header.extension) offset = parseExtensions(buf, offset, header);
  header.payloadOffset = offset;
  if (header.padding) header.paddingSize = buf[buf.length - 1]!;
  return makePacket(header, buf.subarray(offset, buf.length - header.paddingSize));
}

/** Reads the header extension block at `offset` into `header` (RFC 8285); returns where the payload starts. */
function parseExtensions(buf: Buffer, offset: number, header: RtpHeader): number {
  if (offset + 4 > buf.length) throw new RtpParseError('RTP_EXTENSION_OVERRUN', `header extension at byte ${offset} of a ${buf.length}-byte packet`);
  const profile = buf.readUInt16BE(offset);
  // werift types the profile as one of the two RFC 8285 values; any other is kept too, as werift does.
  header.extensionProfile = profile as RtpHeader['extensionProfile'];
  const length = buf.readUInt16BE(offset + 2) * 4;
  header.extensionLength = length;
  let position = offset + 4;
  const end = position + length;
  if (end > buf.length) throw new RtpParseError('RTP_EXTENSION_OVERRUN', `header extension of ${length} bytes overruns the ${buf.length}-byte packet`);
  const extensions: HeaderExtension[] = header.extensions;
  if (profile === ONE_BYTE_PROFILE) {
    while (position < end) {
      const byte = buf[position]!;
      position++;
      if (byte === 0) continue; // padding
      const id = byte >> 4;
      if (id === 0xf) break;
      const size = (byte & 0x0f) + 1;
      extensions.push({ id, payload: buf.subarray(position, position + size) });
      position += size;
    }
  } else if (profile === TWO_BYTE_PROFILE) {
    while (position < end) {
      const id = buf[position]!;
      position++;
      if (id === 0) continue; // padding
      const size = buf[position] ?? 0;
      position++;
      extensions.push({ id, payload: buf.subarray(position, position + size) });
      position += size;
    }
  } else {
    const payload = buf.subarray(position, end);
    extensions.push({ id: 0, payload });
    position += payload.length;
  }
  return position;
}

/** An RtpHeader with werift's defaults, fields in its constructor's order (one hidden class for all). */
export function newHeader(): RtpHeader {
  const header = Object.create(RtpHeader.prototype) as RtpHeader;
  header.version = 2;
  header.padding = false;
  header.paddingSize = 0;
  header.extension = false;
  header.marker = false;
  header.payloadOffset = 0;
  header.payloadType = 0;
  header.sequenceNumber = 0;
  header.timestamp = 0;
  header.ssrc = 0;
  header.csrcLength = 0;
  header.csrc = [];
  header.extensionProfile = ONE_BYTE_PROFILE;
  header.extensionLength = undefined;
  header.extensions = [];
  return header;
}

/** What `new RtpHeader({ ...source })` makes: a shallow copy (csrc and extension arrays shared). */
function copyHeader(source: RtpHeader): RtpHeader {
  const header = newHeader();
  Object.assign(header, source);
  return header;
}

/** An RtpPacket of `header` and `payload`, without werift's constructor. */
export function makePacket(header: RtpHeader, payload: Buffer): RtpPacket {
  const packet = Object.create(RtpPacket.prototype) as RtpPacket;
  packet.header = header;
  packet.payload = payload;
  return packet;
}
