import { separateParameterSets } from '../../../server/media/h264/annex-b-access-unit';

describe('separateParameterSets', () => {
  test('takes SPS and PPS out of an IDR access unit and drops the delimiter; the rest stays in order', () => {
    const au = Buffer.from([0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x4d, 0x40, 0x0d, 0, 0, 0, 1, 0x68, 0xee, 0x3c, 0, 0, 1, 0x06, 0x05, 0x01, 0, 0, 1, 0x65, 0x88, 0x84]);
    const { sps, pps, nalus } = separateParameterSets(au);
    expect(sps).toEqual(Buffer.from([0x67, 0x4d, 0x40, 0x0d]));
    expect(pps).toEqual(Buffer.from([0x68, 0xee, 0x3c]));
    expect(nalus).toEqual([Buffer.from([0x06, 0x05, 0x01]), Buffer.from([0x65, 0x88, 0x84])]);
  });

  test('an access unit without parameter sets has none', () => {
    const result = separateParameterSets(Buffer.from([0, 0, 0, 1, 0x41, 0x9a, 0x26]));
    expect(result).toEqual({ nalus: [Buffer.from([0x41, 0x9a, 0x26])] });
  });
});
