import { KeyObject, randomBytes } from 'node:crypto';
import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RtcpPacketConverter,
  RtcpRrPacket,
  RtpHeader,
  SrtcpSession,
  SrtpAuthenticationError,
  SrtpSession,
} from 'werift';
import { installFastSrtp, srtpEncryptorOf } from '../../../server/webrtc/fast-srtp';

type Profile = typeof ProtectionProfileAeadAes128Gcm | typeof ProtectionProfileAes128CmHmacSha1_80;

/** Both ends' master keys for one profile: what DTLS would hand to each side. */
function masterKeys(profile: Profile): { a: ConstructorParameters<typeof SrtpSession>[0]['keys']; b: ConstructorParameters<typeof SrtpSession>[0]['keys'] } {
  const salt = profile === ProtectionProfileAeadAes128Gcm ? 12 : 14;
  const [k1, s1, k2, s2] = [randomBytes(16), randomBytes(salt), randomBytes(16), randomBytes(salt)];
  return {
    a: { localMasterKey: k1, localMasterSalt: s1, remoteMasterKey: k2, remoteMasterSalt: s2 },
    b: { localMasterKey: k2, localMasterSalt: s2, remoteMasterKey: k1, remoteMasterSalt: s1 },
  };
}

/** werift sessions made before the install keep werift's own code: the reference to compare with. */
const reference = new Map<Profile, { sender: SrtpSession; keys: ReturnType<typeof masterKeys> }>();
for (const profile of [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80] as Profile[]) {
  const keys = masterKeys(profile);
  reference.set(profile, { sender: new SrtpSession({ keys: keys.a, profile }), keys });
}

beforeAll(() => {
  installFastSrtp();
  installFastSrtp(); // idempotent: a second call must not wrap twice
});

describe.each([['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm], ['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80]] as const)('installFastSrtp, %s', (_name, profile) => {
  test('a session made after the install decrypts what stock werift encrypts, and holds KeyObjects', () => {
    const { sender, keys } = reference.get(profile)!;
    const receiver = new SrtpSession({ keys: keys.b, profile });
    for (let i = 0; i < 50; i++) {
      const header = new RtpHeader({ ssrc: 42, sequenceNumber: (65530 + i) & 0xffff, timestamp: i * 3000, payloadType: 102, marker: i % 5 === 0 });
      const payload = randomBytes(50 + i * 20);
      expect(receiver.decrypt(sender.encrypt(payload, header))).toEqual(Buffer.concat([header.serialize(header.serializeSize), payload]));
    }
    const cipher = (receiver.remoteContext as unknown as { cipher: { srtpSessionKey: unknown } }).cipher;
    expect(cipher.srtpSessionKey).toBeInstanceOf(KeyObject);
  });

  test("srtpEncryptorOf: an encryptor with the session's sending keys makes stock werift's packets, across a sequence number wrap (werift's rollover counter)", () => {
    const { sender: stock, keys } = reference.get(profile)!;
    const session = new SrtpSession({ keys: keys.a, profile });
    const encryptor = srtpEncryptorOf(session)!;
    expect(encryptor).toBeDefined();
    const rollover = (session as unknown as { localContext: { getSrtpSsrcState(ssrc: number): { rolloverCounter: number }; updateRolloverCount(sequence: number, state: object): void } }).localContext;
    for (let i = 0; i < 50; i++) {
      const header = new RtpHeader({ ssrc: 77, sequenceNumber: (65520 + i) & 0xffff, timestamp: i * 3000, payloadType: 102, marker: i % 5 === 0, extensions: [{ id: 4, payload: Buffer.from('0') }] });
      const payload = randomBytes(50 + i * 20);
      const state = rollover.getSrtpSsrcState(77);
      rollover.updateRolloverCount(header.sequenceNumber, state);
      const ours = encryptor.encrypt(header.serialize(header.serializeSize), payload, 77, header.sequenceNumber, state.rolloverCounter);
      expect(ours).toEqual(stock.encrypt(payload, header));
    }
  });

  test('a tampered packet raises werift\'s own SrtpAuthenticationError, which werift drops quietly', () => {
    const { sender, keys } = reference.get(profile)!;
    const receiver = new SrtpSession({ keys: keys.b, profile });
    const packet = sender.encrypt(randomBytes(100), new RtpHeader({ ssrc: 1, sequenceNumber: 7, timestamp: 0, payloadType: 102 }));
    packet[packet.length - 2]! ^= 0xff;
    expect(() => receiver.decrypt(packet)).toThrow(SrtpAuthenticationError);
    expect(() => receiver.decrypt(Buffer.from([0x80]))).toThrow(SrtpAuthenticationError);
  });

  test('SRTCP still round-trips between sessions that both use KeyObjects', () => {
    const keys = masterKeys(profile);
    const a = new SrtcpSession({ keys: keys.a, profile });
    const b = new SrtcpSession({ keys: keys.b, profile });
    const report = new RtcpRrPacket({ ssrc: 1234, reports: [] });
    const [decoded] = RtcpPacketConverter.deSerialize(b.decrypt(a.encrypt(report.serialize())));
    expect(decoded).toMatchObject({ type: RtcpRrPacket.type, ssrc: 1234 });
  });
});
