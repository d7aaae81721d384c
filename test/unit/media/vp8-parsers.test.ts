import { Vp8FormatError } from '../../../server/media/vp8/vp8-format-error';
import { parseVp8FrameHeader } from '../../../server/media/vp8/vp8-frame-header';
import { parseVp8PayloadDescriptor } from '../../../server/media/vp8/vp8-payload-descriptor';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('parseVp8PayloadDescriptor', () => {
  it('reads the one-byte form (no extensions)', () => {
    expect(parseVp8PayloadDescriptor(hex('10 9d'))).toEqual({
      length: 1,
      nonReference: false,
      startOfPartition: true,
      partitionIndex: 0,
      pictureId: undefined,
      tl0PicIdx: undefined,
      temporalLayer: undefined,
      keyIndex: undefined,
    });
    expect(parseVp8PayloadDescriptor(hex('23 00'))).toMatchObject({ nonReference: true, startOfPartition: false, partitionIndex: 3 });
  });

  it('reads 7- and 15-bit PictureIDs', () => {
    expect(parseVp8PayloadDescriptor(hex('90 80 7f 00'))).toMatchObject({ length: 3, pictureId: 127 });
    expect(parseVp8PayloadDescriptor(hex('90 80 ab cd 00'))).toMatchObject({ length: 4, pictureId: 0x2bcd });
  });

  it('reads TL0PICIDX, TID/Y and KEYIDX', () => {
    expect(parseVp8PayloadDescriptor(hex('90 f0 81 02 05 b3 00'))).toMatchObject({
      length: 6,
      pictureId: 0x102,
      tl0PicIdx: 5,
      temporalLayer: 2,
      keyIndex: 0x13,
    });
    // K without T: the byte is present, TID is not meaningful.
    expect(parseVp8PayloadDescriptor(hex('80 10 1f 00'))).toMatchObject({ length: 3, temporalLayer: undefined, keyIndex: 0x1f });
  });

  it('throws DESCRIPTOR_TRUNCATED at every cut and when no VP8 data follows', () => {
    const full = hex('90 f0 81 02 05 b3 00');
    for (let length = 0; length < full.length; length++) {
      expect(() => parseVp8PayloadDescriptor(full.subarray(0, length))).toThrow(expect.objectContaining({ code: 'DESCRIPTOR_TRUNCATED' }));
    }
    expect(() => parseVp8PayloadDescriptor(hex('10'))).toThrow(Vp8FormatError);
  });
});

describe('parseVp8FrameHeader', () => {
  it('reads keyframe size (ignoring the scaling bits) and interframe tags', () => {
    // key frame, version 0, shown, first partition 0x1234 bytes; 320 (scale 1) x 240
    const tag = (0x1234 << 5) | 0x10;
    const key = Buffer.concat([Buffer.from([tag & 0xff, (tag >> 8) & 0xff, tag >> 16]), hex('9d012a 4041 f000')]);
    expect(parseVp8FrameHeader(key)).toEqual({ keyframe: true, showFrame: true, firstPartitionSize: 0x1234, width: 320, height: 240 });
    expect(parseVp8FrameHeader(hex('310200'))).toEqual({ keyframe: false, showFrame: true, firstPartitionSize: 0x11 });
  });

  it('throws typed errors on truncated frames and a wrong start code', () => {
    expect(() => parseVp8FrameHeader(hex('3102'))).toThrow(expect.objectContaining({ code: 'FRAME_TRUNCATED' }));
    expect(() => parseVp8FrameHeader(hex('100200 9d012a 4001'))).toThrow(expect.objectContaining({ code: 'FRAME_TRUNCATED' }));
    expect(() => parseVp8FrameHeader(hex('100200 9d012b 4001 f000'))).toThrow(expect.objectContaining({ code: 'BAD_START_CODE' }));
  });
});
