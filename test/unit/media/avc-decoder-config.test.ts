import { buildAvcDecoderConfig, parseAvcDecoderConfig } from '../../../server/media/h264/avc-decoder-config';
import { H264FormatError } from '../../../server/media/h264/h264-format-error';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** libx264 640x360 parameter sets and the record ffmpeg 5.1 wrote for them in an FLV sequence header. */
const BASELINE = {
  sps: hex('6742c01ed900a02ff97011000003000100000300320f162e48'),
  pps: hex('68cb83cb20'),
  record: hex('0142c01effe100196742c01ed900a02ff97011000003000100000300320f162e4801000568cb83cb20'),
};
const HIGH = {
  sps: hex('6764001eacd940a02ff97011000003000100000300320f162d96'),
  pps: hex('68ebe3cb22c0'),
  record: hex('0164001effe1001a6764001eacd940a02ff97011000003000100000300320f162d9601000668ebe3cb22c0fdf8f800'),
};

describe('buildAvcDecoderConfig', () => {
  it.each([
    ['baseline', BASELINE],
    ['high (with the chroma/bit depth extension)', HIGH],
  ])('writes the same bytes as ffmpeg for %s', (_name, { sps, pps, record }) => {
    expect(buildAvcDecoderConfig(sps, pps).toString('hex')).toBe(record.toString('hex'));
  });

  it('rejects an unparsable SPS or an empty PPS', () => {
    expect(() => buildAvcDecoderConfig(hex('6742'), BASELINE.pps)).toThrow(H264FormatError);
    expect(() => buildAvcDecoderConfig(BASELINE.sps, Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'DECODER_CONFIG_INVALID' }));
  });
});

describe('parseAvcDecoderConfig', () => {
  it('reads profile, level, length size and the parameter sets', () => {
    expect(parseAvcDecoderConfig(HIGH.record)).toEqual({
      profileIndication: 100,
      profileCompatibility: 0,
      levelIndication: 30,
      nalLengthSize: 4,
      sps: [HIGH.sps],
      pps: [HIGH.pps],
    });
  });

  it('returns every SPS and PPS of a record that holds several', () => {
    // 2-byte lengths, 2 SPS (3 and 2 bytes), 2 PPS (1 and 2 bytes)
    const record = hex('0142c01efde2' + '0003674201' + '00026742' + '02' + '000168' + '000268ce');
    const parsed = parseAvcDecoderConfig(record);
    expect(parsed.nalLengthSize).toBe(2);
    expect(parsed.sps).toEqual([hex('674201'), hex('6742')]);
    expect(parsed.pps).toEqual([hex('68'), hex('68ce')]);
  });

  it('throws a typed error for every truncation and for a bad version', () => {
    for (let length = 0; length < BASELINE.record.length; length++) {
      expect(() => parseAvcDecoderConfig(BASELINE.record.subarray(0, length))).toThrow(
        expect.objectContaining({ code: 'DECODER_CONFIG_TRUNCATED' }),
      );
    }
    const badVersion = Buffer.from(BASELINE.record);
    badVersion[0] = 2;
    expect(() => parseAvcDecoderConfig(badVersion)).toThrow(expect.objectContaining({ code: 'DECODER_CONFIG_INVALID' }));
  });
});
