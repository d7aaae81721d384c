import { createDecipheriv, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { MediaFormatError } from '../media/media-format-error';
import { writeCmIv, writeGcmIv } from './srtp-iv';

/** SRTP protection profiles a WebRTC peer negotiates (RFC 5764, RFC 7714). */
export type SrtpProfile = 'AES_CM_128_HMAC_SHA1_80' | 'AEAD_AES_128_GCM';

/** Session keys of one direction, already derived from the DTLS master secret (RFC 3711 4.3). */
export interface SrtpSessionKeys {
  /** AES-128 session encryption key. */
  readonly key: KeyObject;
  /** Session salt: 14 bytes for AES-CM, 12 for GCM. */
  readonly salt: Buffer;
  /** HMAC-SHA1 session authentication key (AES-CM only). */
  readonly authKey?: KeyObject;
}

/** Stable reasons an SRTP packet is refused. */
export type SrtpDecryptErrorCode = 'SRTP_TOO_SHORT' | 'SRTP_BAD_HEADER' | 'SRTP_AUTH_FAILED';

/** An SRTP packet that cannot be decrypted; the packet is to be dropped. */
export class SrtpDecryptError extends MediaFormatError<SrtpDecryptErrorCode> {}

const RTP_HEADER_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** Longest RTP header copied into a reused buffer: 12 bytes, 4 CSRCs and a few header extensions. */
const MAX_REUSED_HEADER_BYTES = 64;
const HMAC_TAG_BYTES = 10;
const SEQUENCE_RANGE = 0x10000;

/** Rollover state of one SSRC (RFC 3711 3.3.1). */
interface RolloverState {
  roc: number;
  /** Highest sequence number authenticated so far (s_l). */
  highest: number;
}

/**
 * Decrypts and authenticates the SRTP packets of one direction, for the two profiles WebRTC uses:
 * AES-128-GCM (RFC 7714) and AES-128-CM with HMAC-SHA1-80 (RFC 3711). Keys are KeyObjects made
 * once, so a packet costs one decipher (and one HMAC for AES-CM) and one output allocation; the
 * packet index follows RFC 3711's rollover estimation per SSRC, updated only once a packet
 * authenticates. Returns the RTP packet (header and plaintext payload, tag removed), or only its
 * payload; throws SrtpDecryptError for a packet to drop.
 */
export class SrtpDecryptor {
  readonly #profile: SrtpProfile;
  readonly #keys: SrtpSessionKeys;
  readonly #rollover = new Map<number, RolloverState>();
  /** Reused IV buffer (the decipher copies it). */
  readonly #iv: Buffer;
  readonly #roc = Buffer.allocUnsafe(4);
  readonly #tagBytes: number;
  /**
   * The header (GCM's additional data) and the tag are copied into these, reused, instead of each
   * packet making two views of itself: by header length, which few values take (CSRCs, extensions),
   * up to MAX_REUSED_HEADER_BYTES (a longer header, which a sender may vary, takes a view).
   */
  readonly #aadByLength = new Map<number, Buffer>();
  readonly #gcmTag = Buffer.allocUnsafe(GCM_TAG_BYTES);

  constructor(profile: SrtpProfile, keys: SrtpSessionKeys) {
    if (profile === 'AES_CM_128_HMAC_SHA1_80' && keys.authKey === undefined) throw new TypeError('AES-CM SRTP needs an authentication key');
    this.#profile = profile;
    this.#keys = keys;
    this.#iv = Buffer.alloc(profile === 'AEAD_AES_128_GCM' ? 12 : 16);
    this.#tagBytes = profile === 'AEAD_AES_128_GCM' ? GCM_TAG_BYTES : HMAC_TAG_BYTES;
  }

  /** Bytes of the authentication tag that ends each packet. */
  get tagBytes(): number {
    return this.#tagBytes;
  }

  /** Decrypts one SRTP packet into a new RTP packet. */
  decrypt(packet: Buffer): Buffer {
    const payload = this.decryptPayload(packet);
    const headerBytes = packet.length - this.#tagBytes - payload.length;
    const out = Buffer.allocUnsafe(headerBytes + payload.length);
    packet.copy(out, 0, 0, headerBytes);
    payload.copy(out, headerBytes);
    return out;
  }

  /**
   * Decrypts one SRTP packet and returns only its plaintext payload (padding included, tag
   * removed), the one buffer the cipher makes: the header is the packet's own first bytes, which
   * SRTP leaves in clear, so a caller that reads it there saves a copy of the whole packet.
   */
  decryptPayload(packet: Buffer): Buffer {
    const tagBytes = this.#tagBytes;
    if (packet.length < RTP_HEADER_BYTES + tagBytes) throw new SrtpDecryptError('SRTP_TOO_SHORT', `SRTP packet of ${packet.length} bytes`);
    const headerBytes = rtpHeaderLength(packet, packet.length - tagBytes);
    const sequence = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.#rollover.get(ssrc);
    const roc = state === undefined ? 0 : estimateRoc(state, sequence);
    const plain = this.#profile === 'AEAD_AES_128_GCM'
      ? this.#decryptGcm(packet, headerBytes, ssrc, roc, sequence)
      : this.#decryptCm(packet, headerBytes, ssrc, roc, sequence);
    if (state === undefined) this.#rollover.set(ssrc, { roc, highest: sequence });
    else if (roc > state.roc || (roc === state.roc && sequence > state.highest)) {
      state.roc = roc;
      state.highest = sequence;
    }
    return plain;
  }

  #decryptGcm(packet: Buffer, headerBytes: number, ssrc: number, roc: number, sequence: number): Buffer {
    const tagAt = packet.length - GCM_TAG_BYTES;
    const decipher = createDecipheriv('aes-128-gcm', this.#keys.key, writeGcmIv(this.#iv, this.#keys.salt, ssrc, roc, sequence));
    decipher.setAAD(this.#aad(packet, headerBytes));
    packet.copy(this.#gcmTag, 0, tagAt);
    decipher.setAuthTag(this.#gcmTag);
    const payload = decipher.update(packet.subarray(headerBytes, tagAt));
    try {
      decipher.final();
    } catch {
      throw new SrtpDecryptError('SRTP_AUTH_FAILED', 'SRTP packet failed GCM authentication');
    }
    return payload;
  }

  /** The packet's header in the reused buffer of its length. */
  #aad(packet: Buffer, headerBytes: number): Buffer {
    if (headerBytes > MAX_REUSED_HEADER_BYTES) return packet.subarray(0, headerBytes);
    let aad = this.#aadByLength.get(headerBytes);
    if (aad === undefined) {
      aad = Buffer.allocUnsafe(headerBytes);
      this.#aadByLength.set(headerBytes, aad);
    }
    packet.copy(aad, 0, 0, headerBytes);
    return aad;
  }

  #decryptCm(packet: Buffer, headerBytes: number, ssrc: number, roc: number, sequence: number): Buffer {
    const tagAt = packet.length - HMAC_TAG_BYTES;
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const expected = createHmac('sha1', this.#keys.authKey!).update(packet.subarray(0, tagAt)).update(this.#roc).digest();
    if (!timingSafeEqual(expected.subarray(0, HMAC_TAG_BYTES), packet.subarray(tagAt))) {
      throw new SrtpDecryptError('SRTP_AUTH_FAILED', 'SRTP packet failed HMAC authentication');
    }
    return createDecipheriv('aes-128-ctr', this.#keys.key, writeCmIv(this.#iv, this.#keys.salt, ssrc, roc, sequence)).update(packet.subarray(headerBytes, tagAt));
  }
}

/** Length of the RTP header (fixed part, CSRCs, extension), bytes; checks it ends before `end`. */
function rtpHeaderLength(packet: Buffer, end: number): number {
  const first = packet[0]!;
  if (first >> 6 !== 2) throw new SrtpDecryptError('SRTP_BAD_HEADER', `RTP version ${first >> 6}`);
  let length = RTP_HEADER_BYTES + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (length + 4 > end) throw new SrtpDecryptError('SRTP_BAD_HEADER', 'RTP header extension cut off');
    length += 4 + packet.readUInt16BE(length + 2) * 4;
  }
  if (length > end) throw new SrtpDecryptError('SRTP_BAD_HEADER', `RTP header of ${length} bytes in a ${end}-byte packet`);
  return length;
}

/** The rollover counter a sequence number belongs to, guessed from the highest one seen (RFC 3711 3.3.1). */
function estimateRoc(state: RolloverState, sequence: number): number {
  const half = SEQUENCE_RANGE / 2;
  if (state.highest < half) return sequence - state.highest > half ? state.roc - 1 : state.roc;
  return state.highest - half > sequence ? state.roc + 1 : state.roc;
}
