import { BitReader } from '../../../server/media/bits/bit-reader';
import { BitstreamError } from '../../../server/media/bits/bitstream-error';
import { BitWriter } from '../../../server/media/bits/bit-writer';
import { ExpGolombWriter } from './support/sps-writer';

describe('BitReader', () => {
  it('reads fields across byte boundaries, MSB first', () => {
    const r = new BitReader(Buffer.from([0b1011_0011, 0b1100_0101, 0xff, 0xff, 0xff, 0xff]));
    expect(r.readBits(3)).toBe(0b101);
    expect(r.readBits(7)).toBe(0b1_0011_11);
    expect(r.readFlag()).toBe(false);
    expect(r.bitsLeft).toBe(37);
    r.skipBits(5);
    expect(r.readBits(32)).toBe(0xffffffff); // stays positive above 2^31
  });

  it('decodes ue(v) and se(v) as written by the H.264 code table', () => {
    // 1 | 010 | 011 | 00100 | 00101 → ue 0, 1, 2, 3, 4
    const r = new BitReader(Buffer.from([0b1010_0110, 0b0100_0010, 0b1000_0000]));
    expect([r.readUe(), r.readUe(), r.readUe(), r.readUe(), r.readUe()]).toEqual([0, 1, 2, 3, 4]);
    const w = new ExpGolombWriter();
    const signed = [0, 1, -1, 2, -2, 1000, -1000, 65535];
    for (const v of signed) w.writeSe(v);
    const big = new ExpGolombWriter().writeUe(2 ** 32 - 2);
    const r2 = new BitReader(w.toBuffer());
    expect(signed.map(() => r2.readSe())).toEqual(signed);
    expect(new BitReader(big.toBuffer()).readUe()).toBe(2 ** 32 - 2);
  });

  it('throws BitstreamError, never a RangeError, when reading past the end', () => {
    const r = new BitReader(Buffer.from([0xff]));
    expect(() => r.readBits(9)).toThrow(BitstreamError);
    expect(() => r.skipBits(9)).toThrow(expect.objectContaining({ code: 'BITSTREAM_OVERRUN' }));
    expect(() => new BitReader(Buffer.from([0, 0])).readUe()).toThrow(expect.objectContaining({ code: 'BITSTREAM_OVERRUN' }));
    expect(() => new BitReader(Buffer.alloc(8)).readUe()).toThrow(expect.objectContaining({ code: 'EXP_GOLOMB_TOO_LONG' }));
    expect(() => new BitReader(Buffer.alloc(0)).readFlag()).toThrow(BitstreamError);
  });
});

describe('BitWriter', () => {
  it('packs fields MSB first and zero-pads the last byte', () => {
    const w = new BitWriter().writeBits(0b101, 3).writeFlag(true).writeBits(0x1234, 16);
    expect(w.toBuffer()).toEqual(Buffer.from([0b1011_0001, 0b0010_0011, 0b0100_0000]));
  });

  it('round-trips through BitReader for every width up to 32 bits', () => {
    const w = new BitWriter();
    for (let width = 1; width <= 32; width++) w.writeBits(2 ** width - 1 - (width % 3), width);
    const r = new BitReader(w.toBuffer());
    for (let width = 1; width <= 32; width++) expect(r.readBits(width)).toBe(2 ** width - 1 - (width % 3));
  });
});
