import { randomBytes } from 'node:crypto';
import { H264Depacketizer } from '../../../server/media/rtp/h264-depacketizer';
import { packetizeNal } from '../../../bench/h264-packetizer';

/** An IDR slice NAL unit of `length` bytes (header 0x65, then random bytes). */
function idr(length: number): Buffer {
  return Buffer.concat([Buffer.from([0x65, 0x88]), randomBytes(length - 2)]);
}

describe('packetizeNal', () => {
  test('a NAL unit that fits is sent as it is (single NAL unit packet)', () => {
    const nal = idr(1200);
    expect(packetizeNal(nal, 1200)).toEqual([nal]);
  });

  test('a bigger one becomes FU-A fragments: start and end bits, original type, size bound kept', () => {
    const nal = idr(5000);
    const fragments = packetizeNal(nal, 1200);
    expect(fragments.length).toBe(Math.ceil((5000 - 1) / 1198));
    for (const [i, fragment] of fragments.entries()) {
      expect(fragment.length).toBeLessThanOrEqual(1200);
      expect(fragment[0]).toBe((0x65 & 0xe0) | 28);
      expect(fragment[1]! & 0x1f).toBe(5);
      expect((fragment[1]! & 0x80) !== 0).toBe(i === 0);
      expect((fragment[1]! & 0x40) !== 0).toBe(i === fragments.length - 1);
    }
    expect(Buffer.concat([nal.subarray(0, 1), ...fragments.map((f) => f.subarray(2))])).toEqual(nal);
  });

  test('the gateway\'s depacketizer rebuilds the NAL unit from the fragments', () => {
    const nal = idr(7000);
    const fragments = packetizeNal(nal, 1000);
    const depacketizer = new H264Depacketizer();
    const units = fragments.flatMap((payload, i) =>
      depacketizer.push({ kind: 'packet', packet: { sequenceNumber: i, timestamp: 3000, marker: i === fragments.length - 1, payload, receivedAt: i } }).frames,
    );
    expect(units).toHaveLength(1);
    expect(units[0]!.data).toEqual(Buffer.concat([Buffer.from([0, 0, 0x1b, 0x58]), nal]));
  });
});
