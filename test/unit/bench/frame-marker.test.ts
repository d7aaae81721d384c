import { randomBytes } from 'node:crypto';
import { buildFrameMarker, readFrameMarker } from '../../../bench/frame-marker';

describe('frame marker SEI', () => {
  test('round-trips the sequence number and the send time (µs precision)', () => {
    for (const marker of [{ sequence: 0, sentAtMs: 0 }, { sequence: 123456, sentAtMs: 1_763_730_000_123.456 }, { sequence: 0xffffffff, sentAtMs: 9_999_999_999_999.999 }]) {
      const read = readFrameMarker(buildFrameMarker(marker));
      expect(read?.sequence).toBe(marker.sequence);
      expect(read?.sentAtMs).toBeCloseTo(marker.sentAtMs, 3);
    }
  });

  test('is a well-formed SEI NAL unit that needs no emulation prevention', () => {
    const nal = buildFrameMarker({ sequence: 0, sentAtMs: 0 });
    expect(nal[0]! & 0x1f).toBe(6);
    expect(nal[1]).toBe(5); // user_data_unregistered
    expect(nal[2]).toBe(nal.length - 4); // payload size: all but header, type, size and trailing bits
    expect(nal.at(-1)).toBe(0x80);
    for (let i = 0; i + 1 < nal.length; i++) expect(nal[i] === 0 && nal[i + 1] === 0).toBe(false);
  });

  test('anything else reads as no marker, and nothing throws', () => {
    const marker = buildFrameMarker({ sequence: 7, sentAtMs: 1 });
    const otherUuid = Buffer.from(marker);
    otherUuid[5] ^= 0x20;
    const otherPayloadType = Buffer.from(marker);
    otherPayloadType[1] = 4;
    const notHex = Buffer.from(marker);
    notHex[20] = 0x7a; // 'z'
    for (const nal of [Buffer.from([0x65, 0x88, 0x84]), otherUuid, otherPayloadType, notHex, marker.subarray(0, 20), Buffer.alloc(0)]) {
      expect(readFrameMarker(nal)).toBeUndefined();
    }
    for (let i = 0; i < 200; i++) expect(() => readFrameMarker(randomBytes(i % 50))).not.toThrow();
  });
});
