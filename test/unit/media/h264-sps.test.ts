import { H264FormatError } from '../../../server/media/h264/h264-format-error';
import { parseSps } from '../../../server/media/h264/sps';
import { seededRandom } from './support/prng';
import { writeSps } from './support/sps-writer';

/** SPS NAL units written by ffmpeg 5.1 / libx264 (`-f lavfi -i testsrc2=size=WxH … -c:v libx264`). */
const X264_SPS = {
  high720: '6764001facd9405005bb011000000300100000030320f1831960',
  high360: '6764001eacd940a02ff97011000003000100000300320f162d96',
  main240: '674d400deca0a0fd80880000030008000003019078a14cb0',
  high1080: '67640028acd940780227e5c044000003000400000300c83c60c658',
  baseline360: '6742c01ed900a02ff97011000003000100000300320f162e48',
  baseline176: '6742c00bd902c4ec0440000003004000000c83c50a92',
  high444: '67f4000d919b282c12d808800000030080000019078a14cb',
  high422: '677a000dbcd94161bf89c044000003000400000300c83c50a658',
  high10: '676e001ea6cd940a02ff97011000000300100000030320f162d960',
  interlaced1080: '67640028acd94078044fde0220000003002000000643e2c5b2c0',
  odd642x362: '6764001eacd940a42fe224c044000003000400000300c83c58b658',
};
const sps = (name: keyof typeof X264_SPS): Buffer => Buffer.from(X264_SPS[name], 'hex');

describe('parseSps with x264 streams', () => {
  it.each([
    ['high720', 100, 31, 1280, 720, 1280, 720],
    ['high360', 100, 30, 640, 368, 640, 360],
    ['main240', 77, 13, 320, 240, 320, 240],
    ['high1080', 100, 40, 1920, 1088, 1920, 1080],
    ['baseline360', 66, 30, 640, 368, 640, 360],
    ['baseline176', 66, 11, 176, 144, 176, 144],
    ['odd642x362', 100, 30, 656, 368, 642, 362],
  ] as const)('%s: profile %i level %i, coded %ix%i, shown %ix%i', (name, profile, level, codedW, codedH, width, height) => {
    const parsed = parseSps(sps(name));
    expect(parsed).toMatchObject({ profileIdc: profile, levelIdc: level, codedWidth: codedW, codedHeight: codedH, width, height });
    expect(parsed).toMatchObject({ chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true, vuiPresent: true });
  });

  it('reads the constraint flags byte of constrained baseline', () => {
    expect(parseSps(sps('baseline360'))).toMatchObject({ constraintFlags: 0xc0, picOrderCntType: 2 });
    expect(parseSps(sps('main240'))).toMatchObject({ constraintFlags: 0x40, picOrderCntType: 0 });
  });

  it('handles 4:4:4, 4:2:2 and 10-bit High profiles', () => {
    expect(parseSps(sps('high444'))).toMatchObject({ profileIdc: 244, chromaFormatIdc: 3, width: 352, height: 288 });
    // 200 rows = 13 MBs minus 8 rows of crop; 4:2:2 crops in units of 1 row vertically.
    expect(parseSps(sps('high422'))).toMatchObject({ profileIdc: 122, chromaFormatIdc: 2, width: 352, height: 200 });
    expect(parseSps(sps('high10'))).toMatchObject({ profileIdc: 110, bitDepthLuma: 10, bitDepthChroma: 10, width: 640, height: 360 });
  });

  it('doubles map units and crop units for interlaced (frame_mbs_only_flag = 0) streams', () => {
    expect(parseSps(sps('interlaced1080'))).toMatchObject({ frameMbsOnly: false, codedHeight: 1088, width: 1920, height: 1080 });
  });
});

describe('parseSps with hand-written syntax (checked against ffmpeg trace_headers)', () => {
  it('skips scaling lists, stopping a list early when nextScale reaches 0', () => {
    const nal = writeSps({
      profileIdc: 244,
      chromaFormatIdc: 3,
      // list 0: one delta to 0 = "use default"; list 2: stops after 2 deltas; list 6: a full 8x8 list.
      scalingLists: [
        ...[[-8], Array(16).fill(1), [3, -11], undefined, undefined, undefined],
        ...[Array.from({ length: 64 }, (_, i) => (i % 2 ? 5 : -3)), undefined, undefined, undefined, undefined, [-8]],
      ],
      picOrderCntType: 1,
      offsetsForRefFrame: [1, -2, 40000],
      widthInMbs: 22,
      heightInMapUnits: 18,
      frameMbsOnly: false,
      crop: { left: 1, right: 2, top: 3, bottom: 4 },
    });
    // 4:4:4: crop unit 1 pixel across, 1 row × 2 (interlaced) down.
    expect(parseSps(nal)).toMatchObject({ picOrderCntType: 1, codedWidth: 352, codedHeight: 576, width: 349, height: 562 });
  });

  it.each([
    ['4:2:0 progressive', { chromaFormatIdc: 1 }, 320 - 2 * 3, 240 - 2 * 5],
    ['4:2:2 interlaced', { chromaFormatIdc: 2, frameMbsOnly: false, heightInMapUnits: 8 }, 320 - 2 * 3, 256 - 2 * 5],
    ['monochrome', { chromaFormatIdc: 0 }, 320 - 3, 240 - 5],
    ['4:4:4 separate planes', { chromaFormatIdc: 3, separateColourPlane: true }, 320 - 3, 240 - 5],
  ])('applies CropUnitX/Y for %s', (_name, fields, width, height) => {
    const nal = writeSps({ ...fields, crop: { left: 1, right: 2, top: 2, bottom: 3 } });
    expect(parseSps(nal)).toMatchObject({ width, height });
  });

  it('reads pic_order_cnt_type 2 and removes emulation prevention bytes first', () => {
    const nal = writeSps({ picOrderCntType: 1, offsetsForRefFrame: [2 ** 20, -(2 ** 21)], widthInMbs: 80, heightInMapUnits: 45 });
    expect(nal.includes(Buffer.from([0, 0, 3]))).toBe(true);
    expect(parseSps(nal)).toMatchObject({ width: 1280, height: 720 });
    expect(parseSps(writeSps({ profileIdc: 66, picOrderCntType: 2 }))).toMatchObject({ picOrderCntType: 2, width: 320, height: 240 });
  });
});

describe('parseSps on malformed input', () => {
  it('rejects NAL units that are not an SPS', () => {
    expect(() => parseSps(Buffer.from('68ebe3cb22c0', 'hex'))).toThrow(expect.objectContaining({ code: 'NOT_SPS' }));
    expect(() => parseSps(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'NOT_SPS' }));
  });

  it('rejects out-of-range fields', () => {
    expect(() => parseSps(writeSps({ chromaFormatIdc: 4 }))).toThrow(expect.objectContaining({ code: 'SPS_INVALID' }));
    expect(() => parseSps(writeSps({ crop: { left: 80, right: 80, top: 0, bottom: 0 } }))).toThrow(
      expect.objectContaining({ code: 'SPS_INVALID' }),
    );
  });

  it('throws SPS_TRUNCATED for an SPS cut before its size fields', () => {
    const full = sps('high1080');
    for (let length = 4; length < 12; length++) {
      expect(() => parseSps(full.subarray(0, length))).toThrow(expect.objectContaining({ code: 'SPS_TRUNCATED' }));
    }
  });

  it('only ever throws H264FormatError on random truncations and bit flips', () => {
    const random = seededRandom(264);
    const fixtures = Object.keys(X264_SPS).map((name) => sps(name as keyof typeof X264_SPS));
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const nal = Buffer.from(fixtures[i % fixtures.length]);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        const bit = 8 + Math.floor(random() * (nal.length - 1) * 8); // keep the NAL header an SPS
        nal[bit >> 3] ^= 0x80 >> (bit & 7);
      }
      const cut = nal.subarray(0, 1 + Math.floor(random() * nal.length));
      try {
        parseSps(cut);
      } catch (err) {
        expect(err).toBeInstanceOf(H264FormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
