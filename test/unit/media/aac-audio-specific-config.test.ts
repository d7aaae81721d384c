import { AacFormatError } from '../../../server/media/aac/aac-format-error';
import { AAC_LC, buildAudioSpecificConfig, parseAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';

describe('buildAudioSpecificConfig', () => {
  it.each([
    [48000, 2, '1190'],
    [44100, 2, '1210'],
    [44100, 1, '1208'],
    [8000, 1, '1588'],
  ])('AAC-LC %i Hz, %i channel(s) gives %s', (rate, channels, expected) => {
    expect(buildAudioSpecificConfig(AAC_LC, rate, channels).toString('hex')).toBe(expected);
  });

  it('writes an explicit 24-bit rate when the rate has no index', () => {
    const config = buildAudioSpecificConfig(AAC_LC, 50000, 2);
    expect(config).toHaveLength(5);
    expect(parseAudioSpecificConfig(config)).toEqual({ objectType: 2, sampleRate: 50000, channelConfiguration: 2, channels: 2 });
  });

  it('maps 8 channels to channelConfiguration 7 and refuses counts without a configuration', () => {
    expect(parseAudioSpecificConfig(buildAudioSpecificConfig(AAC_LC, 48000, 8))).toMatchObject({ channelConfiguration: 7, channels: 8 });
    expect(() => buildAudioSpecificConfig(AAC_LC, 48000, 7)).toThrow(expect.objectContaining({ code: 'ASC_INVALID' }));
    expect(() => buildAudioSpecificConfig(AAC_LC, 48000, 0)).toThrow(AacFormatError);
    expect(() => buildAudioSpecificConfig(0, 48000, 2)).toThrow(AacFormatError);
    expect(() => buildAudioSpecificConfig(AAC_LC, 0, 2)).toThrow(AacFormatError);
  });
});

describe('parseAudioSpecificConfig', () => {
  it('round-trips every indexed rate', () => {
    for (const rate of [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]) {
      expect(parseAudioSpecificConfig(buildAudioSpecificConfig(AAC_LC, rate, 1))).toMatchObject({ objectType: 2, sampleRate: rate, channels: 1 });
    }
  });

  it('reads explicit HE-AAC signalling (SBR extension rate, then the core type)', () => {
    // objectType 5 (SBR), 24000 Hz (index 6), stereo, extension 48000 Hz (index 3), core objectType 2
    const config = Buffer.from([0b00101_011, 0b0_0010_001, 0b1_00010_00]);
    expect(parseAudioSpecificConfig(config)).toEqual({
      objectType: 2,
      sampleRate: 24000,
      channelConfiguration: 2,
      channels: 2,
      extensionSampleRate: 48000,
    });
  });

  it('reads escaped object types (31 + 6 bits)', () => {
    // 11111 000010 (= 34) | index 3 | channel config 1
    const config = Buffer.from([0b11111_000, 0b010_0011_0, 0b001_00000]);
    expect(parseAudioSpecificConfig(config)).toMatchObject({ objectType: 34, sampleRate: 48000, channels: 1 });
  });

  it('throws typed errors for truncated or reserved values', () => {
    expect(() => parseAudioSpecificConfig(Buffer.from([0x11]))).toThrow(expect.objectContaining({ code: 'ASC_TRUNCATED' }));
    expect(() => parseAudioSpecificConfig(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'ASC_TRUNCATED' }));
    expect(() => parseAudioSpecificConfig(Buffer.from([0x16, 0x90]))).toThrow(expect.objectContaining({ code: 'ASC_INVALID' })); // index 13
    // channelConfiguration 8 is reserved
    expect(() => parseAudioSpecificConfig(Buffer.from([0x11, 0xc0]))).toThrow(expect.objectContaining({ code: 'ASC_INVALID' }));
  });
});
