import { TsReader, type TsPes } from '../../../support/ts-reader';

/**
 * A hand-made packet: PID, CC, adaptation field bytes after its length byte (an empty field when
 * the payload is short of 184 bytes), stuffed with 0xFF, then the payload (default 184 bytes).
 */
function packet(pid: number, cc: number, options: { start?: boolean; field?: number[]; payload?: Buffer } = {}): Buffer {
  const p = Buffer.alloc(188, 0xff);
  const payload = options.payload ?? (options.field ? undefined : Buffer.alloc(184, 0xab));
  const field = options.field ?? (payload && payload.length < 184 ? [] : undefined);
  const control = (field ? 2 : 0) | (payload ? 1 : 0);
  p[0] = 0x47;
  p[1] = (options.start ? 0x40 : 0) | (pid >> 8);
  p[2] = pid & 0xff;
  p[3] = (control << 4) | cc;
  if (field) {
    p[4] = 184 - 1 - (payload?.length ?? 0);
    if (field.length > 0 || p[4] > 0) p[5] = 0; // flags
    Buffer.from(field).copy(p, 5);
  }
  payload?.copy(p, 188 - payload.length);
  return p;
}

/** A bounded PES of `length` bytes with a PTS. */
function pes(length: number, pts: number): Buffer {
  const out = Buffer.alloc(length, 0x5a);
  out.set([0, 0, 1, 0xc0, (length - 6) >> 8, (length - 6) & 0xff, 0x80, 0x80, 5]);
  out.set([0x21 | (Math.floor(pts / 2 ** 30) << 1), (pts >> 22) & 0xff, ((pts >> 14) & 0xfe) | 1, (pts >> 7) & 0xff, ((pts << 1) & 0xfe) | 1], 9);
  return out;
}

describe('test TsReader', () => {
  it('counts CC errors, allows one duplicate, no increment without payload, and a flagged discontinuity', () => {
    const reader = new TsReader();
    reader.push(Buffer.concat([
      packet(0x100, 0),
      packet(0x100, 1),
      packet(0x100, 1), // duplicate: fine
      packet(0x100, 1), // second duplicate: error
      packet(0x100, 2),
      packet(0x100, 2, { field: [0x10, 0, 0, 0, 0, 0x7e, 0] }), // PCR only, same CC: fine
      packet(0x100, 3, { field: [0x10, 0, 0, 0, 0, 0x7e, 0] }), // PCR only, incremented: error
      packet(0x100, 9, { field: [0x80], payload: Buffer.alloc(100) }), // discontinuity: fine
      packet(0x100, 11), // skipped 10: error
      packet(0x1fff, 5),
      packet(0x1fff, 5), // null packets are not counted
    ]));
    const summary = reader.summary();
    expect(summary.ccErrors).toBe(3);
    expect(summary.ccErrorDetails).toHaveLength(3);
    expect(summary.packets).toBe(11);
    expect(summary.packetsByPid.get(0x100)).toBe(9);
    expect(summary.pcrs.map((p) => p.alone)).toEqual([true, true]);
  });

  it('reassembles PESes from chunks cut anywhere and reports them as they complete', () => {
    const first = pes(300, 90_000);
    const second = pes(100, 2 ** 33 - 1);
    const stream = Buffer.concat([
      packet(0x101, 0, { start: true, field: [0x50, 0, 0, 0xaf, 0xc8, 0x7e, 0], payload: first.subarray(0, 176) }),
      packet(0x101, 1, { payload: first.subarray(176, 300) }),
      packet(0x101, 2, { start: true, payload: second }),
    ]);
    const seen: TsPes[] = [];
    const reader = new TsReader({ onPes: (p) => seen.push(p), keepPes: false });
    for (let at = 0; at < stream.length; at += 77) reader.push(stream.subarray(at, at + 77));
    expect(seen.map((p) => ({ pts: p.pts, length: p.payload.length, randomAccess: p.randomAccess, pcr: p.pcr, packetCount: p.packetCount }))).toEqual([
      { pts: 90_000, length: 286, randomAccess: true, pcr: 90_000, packetCount: 2 },
      { pts: 2 ** 33 - 1, length: 86, randomAccess: false, pcr: undefined, packetCount: 1 },
    ]);
    expect(reader.summary()).toMatchObject({ ccErrors: 0, malformed: 0, pes: [] });
  });

  it('resynchronises after garbage and flags bad structures', () => {
    const reader = new TsReader();
    const badLength = packet(0x101, 0, { start: true, payload: pes(50, 0) });
    badLength[188 - 50 + 5] = 0x10; // PES_packet_length now disagrees with the bytes
    reader.push(Buffer.concat([Buffer.from([1, 2, 3]), packet(0x100, 0), badLength]));
    reader.end();
    expect(reader.summary()).toMatchObject({ syncErrors: 1, packets: 2, malformed: 1 });
  });
});
