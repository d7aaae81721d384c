import { randomBytes } from 'node:crypto';
import { RtpHeader, RtpPacket } from 'werift';
import { installFastRtpPackets, parseRtpPacket, RtpParseError } from '../../../server/webrtc/fast-rtp-packet';

/** werift's own implementations, kept before the install replaces them. */
const weriftDeSerialize = RtpPacket.deSerialize.bind(RtpPacket);
const weriftClone = RtpPacket.prototype.clone;

/** Every own field of a header, as plain data, to compare two headers. */
function fields(header: RtpHeader): Record<string, unknown> {
  return { ...header, csrc: [...header.csrc], extensions: header.extensions.map((e) => ({ id: e.id, payload: Buffer.from(e.payload) })) };
}

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s/g, ''), 'hex');

/** Byte fixtures covering each branch of the RTP header. */
const FIXTURES: Array<[string, Buffer]> = [
  ['minimal, marker set', hex('80e6 0001 00000002 00000003 aabbcc')],
  ['two CSRCs', hex('8266 ffff 12345678 9abcdef0 00000011 00000022 01020304')],
  ['one-byte extensions with padding bytes and an early end marker', hex('9060 0010 00000001 00000002 bede 0003 10 aa 00 00 21 bbcc f0 000000 eeff')],
  ['two-byte extensions', hex('9060 0010 00000001 00000002 1000 0002 0102 aabb 0001 00 00 0099')],
  ['an unknown extension profile', hex('9060 0010 00000001 00000002 abcd 0001 deadbeef 42')],
  ['padding', hex('a060 0010 00000001 00000002 11223344 0000 03')],
  ['no payload', hex('8060 0010 00000001 00000002')],
];

describe('parseRtpPacket', () => {
  test.each(FIXTURES)('%s: the same objects as werift', (_name, bytes) => {
    const ours = parseRtpPacket(bytes);
    const theirs = weriftDeSerialize(bytes);
    expect(ours).toBeInstanceOf(RtpPacket);
    expect(ours.header).toBeInstanceOf(RtpHeader);
    expect(fields(ours.header)).toEqual(fields(theirs.header));
    expect(ours.payload).toEqual(theirs.payload);
    expect(ours.header.serializeSize).toBe(theirs.header.serializeSize);
    expect(ours.serialize()).toEqual(theirs.serialize());
  });

  test('random well-formed packets parse like werift', () => {
    for (let i = 0; i < 200; i++) {
      const header = new RtpHeader({
        sequenceNumber: (i * 331) & 0xffff, timestamp: i * 7919, ssrc: i * 104729, payloadType: i % 128, marker: i % 3 === 0,
        csrcLength: i % 3, csrc: Array.from({ length: i % 3 }, (_, k) => k + i),
        extension: i % 2 === 0, extensions: i % 2 === 0 ? [{ id: 1 + (i % 14), payload: randomBytes(1 + (i % 16)) }] : [],
      });
      const bytes = Buffer.concat([header.serialize(header.serializeSize), randomBytes(i)]);
      expect(fields(parseRtpPacket(bytes).header)).toEqual(fields(weriftDeSerialize(bytes).header));
    }
  });

  test('a packet too short for its header throws RtpParseError with a code, never a RangeError', () => {
    expect(() => parseRtpPacket(hex('8060 0010'))).toThrow(expect.objectContaining({ code: 'RTP_TOO_SHORT' }));
    expect(() => parseRtpPacket(hex('8f60 0010 00000001 00000002 0000'))).toThrow(expect.objectContaining({ code: 'RTP_CSRC_OVERRUN' }));
    expect(() => parseRtpPacket(hex('9060 0010 00000001 00000002 be'))).toThrow(expect.objectContaining({ code: 'RTP_EXTENSION_OVERRUN' }));
    expect(() => parseRtpPacket(hex('9060 0010 00000001 00000002 bede ffff 00'))).toThrow(expect.objectContaining({ code: 'RTP_EXTENSION_OVERRUN' }));
    for (let length = 0; length < 40; length++) {
      const junk = randomBytes(length);
      try {
        parseRtpPacket(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(RtpParseError);
      }
    }
  });
});

describe('installFastRtpPackets', () => {
  beforeAll(() => installFastRtpPackets());

  test('werift\'s RtpPacket.deSerialize is the fast parser from then on', () => {
    expect(RtpPacket.deSerialize).toBe(parseRtpPacket);
  });

  test('clone makes what werift\'s clone makes: a new header with the same fields, the same payload', () => {
    const packet = parseRtpPacket(FIXTURES[3]![1]);
    const ours = packet.clone();
    const theirs = weriftClone.call(packet);
    expect(ours).toBeInstanceOf(RtpPacket);
    expect(ours.header).not.toBe(packet.header);
    expect(fields(ours.header)).toEqual(fields(theirs.header));
    expect(ours.payload).toBe(packet.payload);
    ours.header.sequenceNumber = 1;
    expect(packet.header.sequenceNumber).toBe(16);
  });
});
