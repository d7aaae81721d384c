import { removeEmulationPrevention } from '../../../server/media/h264/emulation-prevention';
import { H264FormatError } from '../../../server/media/h264/h264-format-error';
import { isIdr, joinAvcc, NalType, nalType, splitAnnexB, splitAvcc } from '../../../server/media/h264/nal';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('splitAnnexB', () => {
  it('splits on 3- and 4-byte start codes and drops leading bytes and trailing zeros', () => {
    const stream = hex('ff 00000001 6742 000001 68ce 0000 00000001 65888401 000001 0600');
    const nalus = splitAnnexB(stream);
    expect(nalus.map((n) => n.toString('hex'))).toEqual(['6742', '68ce', '65888401', '06']);
    expect(nalus.map(nalType)).toEqual([NalType.SPS, NalType.PPS, NalType.IDR, NalType.SEI]);
  });

  it('returns zero-copy views of the input', () => {
    const stream = hex('00000001 4101 02 03');
    const [nal] = splitAnnexB(stream);
    expect(nal?.buffer).toBe(stream.buffer);
    expect(nal?.byteOffset).toBe(stream.byteOffset + 4);
  });

  it('returns nothing for input without a start code or with empty NAL units', () => {
    expect(splitAnnexB(hex('0102030405'))).toEqual([]);
    expect(splitAnnexB(hex('000001 000001 00000001'))).toEqual([]);
    expect(splitAnnexB(Buffer.alloc(0))).toEqual([]);
  });
});

describe('splitAvcc / joinAvcc', () => {
  it('round-trips NAL units through 4-byte lengths in one buffer', () => {
    const nalus = [hex('6742c01e'), hex('68ce3c80'), hex('6588840021')];
    const avcc = joinAvcc(nalus);
    expect(avcc.toString('hex')).toBe('000000046742c01e0000000468ce3c80000000056588840021');
    expect(splitAvcc(avcc)).toEqual(nalus);
  });

  it('supports 1- and 2-byte lengths and skips empty NAL units', () => {
    expect(splitAvcc(hex('02 6742 00 01 68'), 1)).toEqual([hex('6742'), hex('68')]);
    expect(splitAvcc(hex('0003 650102'), 2)).toEqual([hex('650102')]);
  });

  it('throws a typed error when a length overruns the buffer or is cut off', () => {
    expect(() => splitAvcc(hex('00000005 650102'))).toThrow(expect.objectContaining({ code: 'AVCC_LENGTH_OVERRUN' }));
    expect(() => splitAvcc(hex('00000001 65 0000'))).toThrow(expect.objectContaining({ code: 'AVCC_TRUNCATED' }));
    expect(() => splitAvcc(hex('ffffffff'))).toThrow(H264FormatError);
    expect(() => splitAvcc(hex('00'), 5)).toThrow(expect.objectContaining({ code: 'AVCC_BAD_LENGTH_SIZE' }));
  });
});

describe('isIdr', () => {
  it('is true only when an IDR slice is present', () => {
    expect(isIdr([hex('6742'), hex('68ce'), hex('6588')])).toBe(true);
    expect(isIdr([hex('419a'), hex('0605')])).toBe(false);
    expect(isIdr([])).toBe(false);
  });
});

describe('removeEmulationPrevention', () => {
  it('removes the 03 of every 00 00 03, including back-to-back ones', () => {
    expect(removeEmulationPrevention(hex('67 000003 01 000003 000003 00 0000 03'))).toEqual(hex('67 0000 01 0000 0000 00 0000'));
  });

  it('returns the input itself when there is nothing to remove', () => {
    const nal = hex('6742c01e0000');
    expect(removeEmulationPrevention(nal)).toBe(nal);
  });
});
