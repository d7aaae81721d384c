import { createCipheriv, createHmac } from 'node:crypto';
import type { SrtpProfile, SrtpSessionKeys } from './srtp-decryptor';
import { writeCmIv, writeGcmIv } from './srtp-iv';

const GCM_TAG_BYTES = 16;
const HMAC_TAG_BYTES = 10;

/**
 * Encrypts and authenticates the SRTP packets of one direction, for the two profiles WebRTC uses:
 * AES-128-GCM (RFC 7714) and AES-128-CM with HMAC-SHA1-80 (RFC 3711). The caller serializes the
 * RTP header and keeps the rollover counter; a packet costs one cipher (and one HMAC for AES-CM),
 * and its datagram is written once, header, ciphertext and tag, into one buffer. The counterpart
 * of {@link SrtpDecryptor}, with the same session keys.
 */
export class SrtpEncryptor {
  readonly #profile: SrtpProfile;
  readonly #keys: SrtpSessionKeys;
  /** Reused IV buffer (the cipher copies it). */
  readonly #iv: Buffer;
  readonly #roc = Buffer.allocUnsafe(4);

  constructor(profile: SrtpProfile, keys: SrtpSessionKeys) {
    if (profile === 'AES_CM_128_HMAC_SHA1_80' && keys.authKey === undefined) throw new TypeError('AES-CM SRTP needs an authentication key');
    this.#profile = profile;
    this.#keys = keys;
    this.#iv = Buffer.alloc(profile === 'AEAD_AES_128_GCM' ? 12 : 16);
  }

  /**
   * The SRTP packet of an RTP packet: `header` is its serialized header (read during the call
   * only), whose SSRC and sequence number are passed again as numbers; `roc` is the SSRC's
   * rollover counter.
   */
  encrypt(header: Buffer, payload: Buffer, ssrc: number, sequence: number, roc: number): Buffer {
    return this.#profile === 'AEAD_AES_128_GCM' ? this.#encryptGcm(header, payload, ssrc, sequence, roc) : this.#encryptCm(header, payload, ssrc, sequence, roc);
  }

  #encryptGcm(header: Buffer, payload: Buffer, ssrc: number, sequence: number, roc: number): Buffer {
    const cipher = createCipheriv('aes-128-gcm', this.#keys.key, writeGcmIv(this.#iv, this.#keys.salt, ssrc, roc, sequence));
    cipher.setAAD(header);
    const encrypted = cipher.update(payload);
    cipher.final();
    const out = Buffer.allocUnsafe(header.length + encrypted.length + GCM_TAG_BYTES);
    header.copy(out, 0);
    encrypted.copy(out, header.length);
    cipher.getAuthTag().copy(out, header.length + encrypted.length);
    return out;
  }

  #encryptCm(header: Buffer, payload: Buffer, ssrc: number, sequence: number, roc: number): Buffer {
    const encrypted = createCipheriv('aes-128-ctr', this.#keys.key, writeCmIv(this.#iv, this.#keys.salt, ssrc, roc, sequence)).update(payload);
    const tagAt = header.length + encrypted.length;
    const out = Buffer.allocUnsafe(tagAt + HMAC_TAG_BYTES);
    header.copy(out, 0);
    encrypted.copy(out, header.length);
    // Tag = HMAC-SHA1(header || ciphertext || ROC), its first 80 bits (RFC 3711 4.2).
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    createHmac('sha1', this.#keys.authKey!).update(out.subarray(0, tagAt)).update(this.#roc).digest().copy(out, tagAt, 0, HMAC_TAG_BYTES);
    return out;
  }
}
