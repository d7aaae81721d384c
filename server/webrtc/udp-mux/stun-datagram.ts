import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a datagram on the shared port is, from its first byte (RFC 7983 §7). */
export type DatagramKind = 'stun' | 'dtls' | 'rtp' | 'other';

/** The STUN message classes (RFC 5389 §6). */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** The parts of a STUN message the mux routes by; the rest is werift's business. */
export interface StunSummary {
  readonly class: StunClass;
  /** The method number; 1 is Binding. */
  readonly method: number;
  /** USERNAME as text ("<receiver's ufrag>:<sender's ufrag>" in ICE), when present. */
  readonly username?: string;
  /** Offset of the MESSAGE-INTEGRITY attribute's header, when present. */
  readonly integrityOffset?: number;
}

export const STUN_BINDING = 0x001;

const HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const INTEGRITY_BYTES = 20;
/** Longest USERNAME a STUN message may carry (RFC 5389 §15.3). */
const MAX_USERNAME_BYTES = 512;
const CLASSES: readonly StunClass[] = ['request', 'indication', 'success', 'error'];

/** Demultiplexes by the first byte as RFC 7983 does: 0–3 STUN, 20–63 DTLS, 128–191 RTP and RTCP. */
export function datagramKind(data: Buffer): DatagramKind {
  const first = data[0];
  if (first === undefined) return 'other';
  if (first <= 3) return 'stun';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 128 && first <= 191) return 'rtp';
  return 'other';
}

/**
 * Reads a STUN message's header and the attributes routing needs; undefined when the bytes are not
 * a well-formed STUN message (wrong cookie, length, truncated or overlong attributes). Nothing is
 * trusted yet: see verifyIntegrity.
 */
export function readStun(data: Buffer): StunSummary | undefined {
  if (data.length < HEADER_BYTES) return undefined;
  const type = data.readUInt16BE(0);
  const length = data.readUInt16BE(2);
  if ((type & 0xc000) !== 0 || length % 4 !== 0 || HEADER_BYTES + length !== data.length || data.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const messageClass = CLASSES[((type >> 7) & 0x2) | ((type >> 4) & 0x1)]!;
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  let username: string | undefined;
  let integrityOffset: number | undefined;
  for (let offset = HEADER_BYTES; offset < data.length; ) {
    if (offset + 4 > data.length) return undefined;
    const attrType = data.readUInt16BE(offset);
    const attrLength = data.readUInt16BE(offset + 2);
    const end = offset + 4 + attrLength;
    if (end > data.length) return undefined;
    if (attrType === ATTR_USERNAME && username === undefined) {
      if (attrLength > MAX_USERNAME_BYTES) return undefined;
      username = data.toString('utf8', offset + 4, end);
    } else if (attrType === ATTR_MESSAGE_INTEGRITY) {
      if (attrLength !== INTEGRITY_BYTES) return undefined;
      integrityOffset = offset;
      // Attributes after MESSAGE-INTEGRITY (but FINGERPRINT) are not covered by it: ignore them (RFC 5389 §15.4).
      break;
    }
    offset = end + ((4 - (attrLength % 4)) % 4);
  }
  return {
    class: messageClass,
    method,
    ...(username === undefined ? {} : { username }),
    ...(integrityOffset === undefined ? {} : { integrityOffset }),
  };
}

/**
 * True when the MESSAGE-INTEGRITY at `integrityOffset` is the HMAC-SHA1 of the message before it
 * keyed with `key` (ICE: the receiver's password), with the header length counting up to the end
 * of MESSAGE-INTEGRITY, as RFC 5389 §15.4 computes it.
 */
export function verifyIntegrity(data: Buffer, integrityOffset: number, key: Buffer): boolean {
  const lengthThroughIntegrity = Buffer.alloc(2);
  lengthThroughIntegrity.writeUInt16BE(integrityOffset - HEADER_BYTES + 4 + INTEGRITY_BYTES);
  const mac = createHmac('sha1', key)
    .update(data.subarray(0, 2))
    .update(lengthThroughIntegrity)
    .update(data.subarray(4, integrityOffset))
    .digest();
  return timingSafeEqual(mac, data.subarray(integrityOffset + 4, integrityOffset + 4 + INTEGRITY_BYTES));
}

/** The first ufrag of an ICE USERNAME: the receiver's own ("<receiver>:<sender>", RFC 8445 §7.2.2). */
export function receiverUfrag(username: string): string {
  const colon = username.indexOf(':');
  return colon === -1 ? username : username.slice(0, colon);
}
