import { createCipheriv, createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';
import { SrtpDecryptError, SrtpDecryptor, type SrtpProfile } from '../../../server/webrtc/srtp-decryptor';

/** The session keys werift derived for a sending SrtpSession (werift's cipher fields, not exported). */
interface SenderCipher {
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
  srtpSessionAuthTag?: Buffer;
}

const PROFILES: Array<[SrtpProfile, number, number]> = [
  ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm, 12],
  ['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80, 14],
];

/** A werift sender and a decryptor holding the session keys werift derived for it. */
function pair(profile: SrtpProfile, weriftProfile: number, saltLength: number): { sender: SrtpSession; decryptor: SrtpDecryptor } {
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltLength), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(saltLength) };
  const sender = new SrtpSession({ keys, profile: weriftProfile as 1 | 7 });
  const cipher = (sender.localContext as unknown as { cipher: SenderCipher }).cipher;
  const decryptor = new SrtpDecryptor(profile, {
    key: createSecretKey(cipher.srtpSessionKey),
    salt: cipher.srtpSessionSalt,
    ...(cipher.srtpSessionAuthTag ? { authKey: createSecretKey(cipher.srtpSessionAuthTag) } : {}),
  });
  return { sender, decryptor };
}

/** An RTP packet as werift serialises it: header (with `extras`) then the payload. */
function rtp(header: RtpHeader, payload: Buffer): Buffer {
  return Buffer.concat([header.serialize(header.serializeSize), payload]);
}

describe.each(PROFILES)('SrtpDecryptor, %s', (profile, weriftProfile, saltLength) => {
  test('decrypts what werift encrypts, byte for byte, across a sequence number wrap (rollover counter)', () => {
    const { sender, decryptor } = pair(profile, weriftProfile, saltLength);
    for (let i = 0; i < 400; i++) {
      const header = new RtpHeader({ ssrc: 0x11223344, sequenceNumber: (65400 + i) & 0xffff, timestamp: 90 * i, payloadType: 102, marker: i % 7 === 0 });
      const payload = randomBytes(1 + ((i * 37) % 1200));
      expect(decryptor.decrypt(sender.encrypt(payload, header))).toEqual(rtp(header, payload));
    }
  });

  test('keeps one rollover counter per SSRC', () => {
    const { sender, decryptor } = pair(profile, weriftProfile, saltLength);
    for (let i = 0; i < 300; i++) {
      for (const ssrc of [1, 2]) {
        const sequence = ((ssrc === 1 ? 65500 : 100) + i) & 0xffff;
        const header = new RtpHeader({ ssrc, sequenceNumber: sequence, timestamp: i, payloadType: 111 });
        const payload = Buffer.from([ssrc, i & 0xff, 1, 2, 3]);
        expect(decryptor.decrypt(sender.encrypt(payload, header))).toEqual(rtp(header, payload));
      }
    }
  });

  test('authenticates CSRCs and header extensions as part of the header', () => {
    const { sender, decryptor } = pair(profile, weriftProfile, saltLength);
    const header = new RtpHeader({
      ssrc: 9, sequenceNumber: 1, timestamp: 2, payloadType: 102, csrc: [5, 6], csrcLength: 2,
      extension: true, extensions: [{ id: 3, payload: Buffer.from([1, 2, 3]) }],
    });
    const payload = randomBytes(300);
    const packet = sender.encrypt(payload, header);
    expect(decryptor.decrypt(packet)).toEqual(rtp(header, payload));
    const tampered = Buffer.from(packet);
    tampered[13]! ^= 0x01; // first CSRC
    expect(() => decryptor.decrypt(tampered)).toThrow(expect.objectContaining({ code: 'SRTP_AUTH_FAILED' }));
  });

  test('headers of many lengths, short and long, interleaved through one decryptor: each decrypts, and a tampered header still fails', () => {
    const { sender, decryptor } = pair(profile, weriftProfile, saltLength);
    for (let i = 0; i < 60; i++) {
      // From no extension (12 bytes) to 29 one-byte extensions of 3 bytes (well past 64 header bytes).
      const extensions = Array.from({ length: i % 30 }, (_, k) => ({ id: 1 + (k % 14), payload: Buffer.from([k, i, 7]) }));
      const header = new RtpHeader({ ssrc: 77, sequenceNumber: i, timestamp: i * 90, payloadType: 102, extension: extensions.length > 0, extensions });
      const payload = randomBytes(50 + i);
      const packet = sender.encrypt(payload, header);
      expect(decryptor.decrypt(packet)).toEqual(rtp(header, payload));
      const tampered = Buffer.from(packet);
      tampered[header.serializeSize - 1]! ^= 0x01; // the header's last byte
      expect(() => decryptor.decrypt(tampered)).toThrow(expect.objectContaining({ code: 'SRTP_AUTH_FAILED' }));
    }
  });

  test('decryptPayload gives the plaintext payload alone (the header stays in the packet), across the rollover too; tagBytes says what ends a packet', () => {
    const { sender, decryptor } = pair(profile, weriftProfile, saltLength);
    expect(decryptor.tagBytes).toBe(profile === 'AEAD_AES_128_GCM' ? 16 : 10);
    for (let i = 0; i < 300; i++) {
      const header = new RtpHeader({ ssrc: 77, sequenceNumber: (65500 + i) & 0xffff, timestamp: 90 * i, payloadType: 102, csrc: [i], csrcLength: 1 });
      const payload = randomBytes(1 + ((i * 53) % 1200));
      const packet = sender.encrypt(payload, header);
      expect(decryptor.decryptPayload(packet)).toEqual(payload);
      expect(packet.length - decryptor.tagBytes - payload.length).toBe(header.serializeSize);
    }
    const tampered = sender.encrypt(randomBytes(50), new RtpHeader({ ssrc: 77, sequenceNumber: 300, timestamp: 0, payloadType: 102 }));
    tampered[20]! ^= 0x01;
    expect(() => decryptor.decryptPayload(tampered)).toThrow(expect.objectContaining({ code: 'SRTP_AUTH_FAILED' }));
  });

  test('a flipped bit anywhere fails authentication; a short or malformed packet is refused with a code', () => {
    const { sender, decryptor } = pair(profile, weriftProfile, saltLength);
    const packet = sender.encrypt(randomBytes(200), new RtpHeader({ ssrc: 3, sequenceNumber: 10, timestamp: 0, payloadType: 102 }));
    for (const at of [1, 12, 100, packet.length - 1]) {
      const tampered = Buffer.from(packet);
      tampered[at]! ^= 0x80;
      expect(() => decryptor.decrypt(tampered)).toThrow(SrtpDecryptError);
    }
    expect(() => decryptor.decrypt(packet.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'SRTP_TOO_SHORT' }));
    const version1 = Buffer.from(packet);
    version1[0] = 0x40;
    expect(() => decryptor.decrypt(version1)).toThrow(expect.objectContaining({ code: 'SRTP_BAD_HEADER' }));
    const overrun = Buffer.alloc(40);
    overrun[0] = 0x90; // version 2 with an extension...
    overrun.writeUInt16BE(0xffff, 14); // ...of 262140 bytes
    expect(() => decryptor.decrypt(overrun)).toThrow(expect.objectContaining({ code: 'SRTP_BAD_HEADER' }));
  });

  test('random bytes only ever raise SrtpDecryptError', () => {
    const { decryptor } = pair(profile, weriftProfile, saltLength);
    for (let i = 0; i < 300; i++) {
      const junk = randomBytes(i % 60);
      if (i % 2 === 0 && junk.length > 0) junk[0] = 0x80 | (junk[0]! & 0x3f); // version 2, to reach deeper
      expect(() => decryptor.decrypt(junk)).toThrow(SrtpDecryptError);
    }
  });
});

test('AES-CM uses the RFC 3711 counter: the B.2 keystream decrypts to zeros', () => {
  // RFC 3711 B.2: session key and salt; SSRC 0, index 0 gives IV F0F1...FD0000.
  const key = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex');
  const salt = Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD', 'hex');
  const keystream = createCipheriv('aes-128-ctr', key, Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000', 'hex')).update(Buffer.alloc(48));
  expect(keystream.subarray(0, 16).toString('hex').toUpperCase()).toBe('E03EAD0935C95E80E166B16DD92B4EB4'); // as printed in the RFC
  const authKey = randomBytes(20);
  const header = Buffer.from([0x80, 0x60, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]); // SSRC 0, sequence 0
  const authenticated = Buffer.concat([header, keystream]);
  const tag = createHmac('sha1', authKey).update(authenticated).update(Buffer.alloc(4)).digest().subarray(0, 10);
  const decryptor = new SrtpDecryptor('AES_CM_128_HMAC_SHA1_80', { key: createSecretKey(key), salt, authKey: createSecretKey(authKey) });
  expect(decryptor.decrypt(Buffer.concat([authenticated, tag]))).toEqual(Buffer.concat([header, Buffer.alloc(48)]));
});

test('AES-CM without an authentication key is refused up front', () => {
  expect(() => new SrtpDecryptor('AES_CM_128_HMAC_SHA1_80', { key: createSecretKey(randomBytes(16)), salt: randomBytes(14) })).toThrow(TypeError);
});
