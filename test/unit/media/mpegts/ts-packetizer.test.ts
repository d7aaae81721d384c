import { TsPacketizer, startAdaptationLength, tsPacketCount, type TsPesStart } from '../../../../server/media/containers/mpegts/ts-packetizer';
import { seededRandom } from '../support/prng';
import { TsReader } from '../../../support/ts-reader';

const PLAIN: TsPesStart = { pcr: undefined, randomAccess: false, discontinuity: false };
const WITH_PCR: TsPesStart = { pcr: 2 ** 33 - 1, randomAccess: true, discontinuity: false };

/** A bounded PES (stream 0xC0, no PTS) of exactly `length` bytes, filled from a seeded generator. */
function pes(length: number, seed = length): Buffer {
  const random = seededRandom(seed);
  const out = Buffer.alloc(length);
  for (let i = 9; i < length; i++) out[i] = Math.floor(random() * 256);
  out.set([0, 0, 1, 0xc0, (length - 6) >> 8, (length - 6) & 0xff, 0x80, 0, 0]);
  return out;
}

/** Splits packets into their parts as 2.4.3.2 lays them out. */
function parts(out: Buffer): Array<{ unitStart: boolean; pid: number; control: number; cc: number; field: Buffer; payload: Buffer }> {
  const packets = [];
  for (let at = 0; at < out.length; at += 188) {
    const p = out.subarray(at, at + 188);
    const control = (p[3] >> 4) & 3;
    const fieldEnd = control & 2 ? 5 + p[4] : 4;
    packets.push({ unitStart: (p[1] & 0x40) !== 0, pid: ((p[1] & 0x1f) << 8) | p[2], control, cc: p[3] & 15, field: p.subarray(4, fieldEnd), payload: p.subarray(fieldEnd) });
  }
  return packets;
}

function packetize(packetizer: TsPacketizer, data: Buffer, start: TsPesStart, pieces = 1): Buffer {
  const out = Buffer.alloc(tsPacketCount(data.length, startAdaptationLength(start)) * 188, 0xaa);
  packetizer.begin(out, 0, data.length, start);
  // The PES may come in several pieces; the result must not depend on where they are cut.
  const step = Math.ceil(data.length / pieces);
  for (let at = 0; at < data.length; at += step) packetizer.put(data, at, Math.min(data.length, at + step));
  expect(packetizer.finish()).toBe(out.length);
  return out;
}

describe('TS packetizer', () => {
  it('counts packets, with and without an adaptation field in the first', () => {
    expect(startAdaptationLength(PLAIN)).toBe(0);
    expect(startAdaptationLength({ ...PLAIN, randomAccess: true })).toBe(2);
    expect(startAdaptationLength(WITH_PCR)).toBe(8);
    expect([1, 184, 185, 368, 369].map((n) => tsPacketCount(n, 0))).toEqual([1, 1, 2, 2, 3]);
    expect([176, 177, 360, 361].map((n) => tsPacketCount(n, 8))).toEqual([1, 2, 2, 3]);
  });

  it.each([9, 100, 175, 176, 177, 182, 183, 184, 185, 360, 366, 367, 368, 369, 1000, 5000])('%i-byte PES: whole packets, payload intact, stuffing only in the last', (length) => {
    for (const start of [PLAIN, WITH_PCR]) {
      const data = pes(length);
      const out = packetize(new TsPacketizer(0x101), data, start, 3);
      const packets = parts(out);
      expect(out.length % 188).toBe(0);
      expect(Buffer.concat(packets.map((p) => p.payload)).equals(data)).toBe(true);
      packets.forEach((p, i) => {
        expect(p.pid).toBe(0x101);
        expect(p.unitStart).toBe(i === 0);
        expect(p.cc).toBe(i % 16);
        expect(p.payload.length).toBeGreaterThan(0);
        const isFirst = i === 0;
        const isLast = i === packets.length - 1;
        if (!isFirst && !isLast) expect(p.control).toBe(1); // no adaptation field in the middle
        if (isFirst && start.pcr !== undefined) {
          expect(p.field[1]).toBe(0x50); // random access + PCR
          // Base 2^33 − 1: all 33 bits set, reserved bits set, extension 0.
          expect(p.field.subarray(2, 8).toString('hex')).toBe('fffffffffe00');
        }
        const stuffingFrom = isFirst && start.pcr !== undefined ? 8 : 2;
        if (p.field.length > stuffingFrom) expect(p.field.subarray(stuffingFrom).every((b) => b === 0xff)).toBe(true);
        if (start.pcr === undefined && p.field.length >= 2) expect(p.field[1]).toBe(0); // flags of a stuffing-only field
      });
    }
  });

  it('keeps counting continuity across PESes and wraps at 16', () => {
    const packetizer = new TsPacketizer(0x100);
    const reader = new TsReader();
    const expected: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const data = pes(100 + i * 37, i);
      expected.push(data.subarray(9));
      reader.push(packetize(packetizer, data, i % 5 === 0 ? WITH_PCR : PLAIN));
    }
    reader.end();
    const summary = reader.summary();
    expect(summary).toMatchObject({ ccErrors: 0, malformed: 0 });
    expect(summary.pes.map((p) => p.payload.toString('hex'))).toEqual(expected.map((e) => e.toString('hex')));
    expect(summary.pes.filter((p) => p.randomAccess)).toHaveLength(10);
  });

  it('writes a PCR-only packet that repeats the last continuity counter', () => {
    const packetizer = new TsPacketizer(0x100);
    const reader = new TsReader();
    reader.push(packetize(packetizer, pes(400), PLAIN)); // CC 0..2
    const out = Buffer.alloc(188);
    expect(packetizer.writePcrOnly(out, 0, 90_000)).toBe(188);
    expect(out.subarray(0, 6).toString('hex')).toBe('47010022b710');
    expect(packetizer.continuityCounter).toBe(3);
    reader.push(out);
    reader.push(packetize(packetizer, pes(100), PLAIN));
    const summary = reader.summary();
    expect(summary.ccErrors).toBe(0);
    expect(summary.pcrs).toEqual([{ pid: 0x100, base: 90_000, extension: 0, packetIndex: 3, alone: true, discontinuity: false }]);
  });

  it('keeps no continuity counter for a PES that was not finished', () => {
    const packetizer = new TsPacketizer(0x100);
    const out = Buffer.alloc(188 * 4);
    packetizer.begin(out, 0, 500, PLAIN);
    packetizer.put(Buffer.alloc(200));
    expect(() => packetizer.finish()).toThrow(/missing/);
    expect(packetizer.continuityCounter).toBe(0);
  });
});
