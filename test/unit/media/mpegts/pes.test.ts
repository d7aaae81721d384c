import { PES_HEADER_LENGTH_PTS, PES_HEADER_LENGTH_PTS_DTS, pesHeaderLength, wrapTimestamp, writePesHeader } from '../../../../server/media/containers/mpegts/pes';

/** A 5-byte PTS/DTS field decoded from the spec's bit layout. */
function readTimestamp(b: Buffer, at: number): { prefix: number; ticks: number; markers: boolean } {
  const ticks = ((b[at] >> 1) & 7) * 2 ** 30 + ((b[at + 1] << 7) | (b[at + 2] >> 1)) * 2 ** 15 + ((b[at + 3] << 7) | (b[at + 4] >> 1));
  return { prefix: b[at] >> 4, ticks, markers: (b[at] & b[at + 2] & b[at + 4] & 1) === 1 };
}

describe('PES header', () => {
  it('writes a PTS-only audio header with its length', () => {
    const out = Buffer.alloc(PES_HEADER_LENGTH_PTS);
    expect(writePesHeader(out, 0, { streamId: 0xc0, pts: 90_000, dts: undefined, payloadLength: 100, dataAlignment: true })).toBe(14);
    // 00 00 01 C0, length 108 = 8 + 100, '10' + alignment, PTS only, 5 header bytes, PTS '0010'.
    expect(out.subarray(0, 9).toString('hex')).toBe('000001c0006c848005');
    expect(readTimestamp(out, 9)).toEqual({ prefix: 0x2, ticks: 90_000, markers: true });
  });

  it('writes PTS and DTS with prefixes 0011 and 0001, length 0 when unbounded', () => {
    const out = Buffer.alloc(PES_HEADER_LENGTH_PTS_DTS);
    expect(writePesHeader(out, 0, { streamId: 0xe0, pts: 123_456_789, dts: 123_450_000, payloadLength: undefined, dataAlignment: true })).toBe(19);
    expect(out.subarray(0, 9).toString('hex')).toBe('000001e0000084c00a');
    expect(readTimestamp(out, 9)).toEqual({ prefix: 0x3, ticks: 123_456_789, markers: true });
    expect(readTimestamp(out, 14)).toEqual({ prefix: 0x1, ticks: 123_450_000, markers: true });
  });

  it('takes timestamps modulo 2^33, negative ones included, and uses all 33 bits', () => {
    expect(wrapTimestamp(2 ** 33 + 5)).toBe(5);
    expect(wrapTimestamp(-1)).toBe(2 ** 33 - 1);
    expect(wrapTimestamp(-(2 ** 34) - 7)).toBe(2 ** 33 - 7);
    const out = Buffer.alloc(PES_HEADER_LENGTH_PTS_DTS);
    for (const [ticks, expected] of [
      [2 ** 33 - 1, 2 ** 33 - 1],
      [2 ** 32 + 3, 2 ** 32 + 3],
      [2 ** 33 + 90_000, 90_000],
      [-90_000, 2 ** 33 - 90_000],
    ]) {
      writePesHeader(out, 0, { streamId: 0xe0, pts: ticks, dts: ticks - 3000, payloadLength: undefined, dataAlignment: false });
      expect(readTimestamp(out, 9).ticks).toBe(expected);
      expect(readTimestamp(out, 14).ticks).toBe(wrapTimestamp(expected - 3000));
    }
  });

  it('sizes headers and refuses a bounded length over 16 bits', () => {
    expect(pesHeaderLength(false)).toBe(14);
    expect(pesHeaderLength(true)).toBe(19);
    expect(() => writePesHeader(Buffer.alloc(19), 0, { streamId: 0xc0, pts: 0, dts: undefined, payloadLength: 0xffff, dataAlignment: true })).toThrow(RangeError);
  });
});
