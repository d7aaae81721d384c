import { decodeWavSamples } from '../../../server/media/wav/pcm-decode';
import { WavFormatError } from '../../../server/media/wav/wav-format-error';
import { parseWav, type WavSampleFormat } from '../../../server/media/wav/wav-reader';
import { seededRandom } from './support/prng';
import { killRunningTools, runTool } from './support/run-tool';
import { type Chunk, encodeSamples, fmtChunk, type FmtFields, riffWave } from './support/wav-writer';

afterAll(killRunningTools);

/** Values every format represents exactly (multiples of 1/128, inside the u8 range). */
const SAMPLES = [0, 0.5, -0.5, 0.25, -1, 127 / 128, -0.0078125, 0.75];

const BITS: Record<WavSampleFormat, { formatCode: number; bitsPerSample: number }> = {
  u8: { formatCode: 1, bitsPerSample: 8 },
  s16: { formatCode: 1, bitsPerSample: 16 },
  s24: { formatCode: 1, bitsPerSample: 24 },
  s32: { formatCode: 1, bitsPerSample: 32 },
  f32: { formatCode: 3, bitsPerSample: 32 },
  f64: { formatCode: 3, bitsPerSample: 64 },
};

function wavOf(format: WavSampleFormat, channels: 1 | 2, options: { extensible?: boolean; extra?: Chunk[] } = {}): Buffer {
  const { formatCode, bitsPerSample } = BITS[format];
  const fmt = fmtChunk({ formatCode, channels, sampleRate: 44100, bitsPerSample, ...(options.extensible ? { subFormat: formatCode } : {}) });
  return riffWave([...(options.extra ?? []), fmt, { id: 'data', body: encodeSamples(SAMPLES, format) }]);
}

const fmtWav = (fields: Partial<FmtFields>): Buffer =>
  riffWave([fmtChunk({ formatCode: 1, channels: 2, sampleRate: 48000, bitsPerSample: 16, ...fields }), { id: 'data', body: Buffer.alloc(16) }]);

describe('parseWav + decodeWavSamples', () => {
  it.each(Object.keys(BITS) as WavSampleFormat[])('decodes %s, mono and stereo, plain and WAVE_FORMAT_EXTENSIBLE', (format) => {
    for (const extensible of [false, true]) {
      const mono = parseWav(wavOf(format, 1, { extensible }));
      expect(mono).toMatchObject({ sampleFormat: format, channels: 1, sampleRate: 44100, frameCount: 8 });
      expect(Array.from(decodeWavSamples(mono)[0])).toEqual(SAMPLES);

      const stereo = parseWav(wavOf(format, 2, { extensible }));
      expect(stereo).toMatchObject({ channels: 2, frameCount: 4, blockAlign: (2 * BITS[format].bitsPerSample) / 8 });
      const [left, right] = decodeWavSamples(stereo);
      expect(Array.from(left)).toEqual(SAMPLES.filter((_, i) => i % 2 === 0));
      expect(Array.from(right!)).toEqual(SAMPLES.filter((_, i) => i % 2 === 1));
    }
  });

  it('skips LIST, fact and odd-sized chunks (with their pad byte), before and after fmt', () => {
    const list = { id: 'LIST', body: Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1') };
    const odd = { id: 'junk', body: Buffer.from([1, 2, 3]) };
    const fact = { id: 'fact', body: Buffer.from([8, 0, 0, 0]) };
    const fmt = fmtChunk({ formatCode: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    const file = riffWave([list, odd, fmt, fact, odd, { id: 'data', body: encodeSamples(SAMPLES, 's16') }]);
    const wav = parseWav(file);
    expect(wav).toMatchObject({ sampleRate: 8000, frameCount: 8 });
    expect(Array.from(decodeWavSamples(wav)[0])).toEqual(SAMPLES);
  });

  it('clamps a data chunk that overruns the file to the whole frames present', () => {
    const data = encodeSamples(SAMPLES, 's16');
    const fmt = fmtChunk({ formatCode: 1, channels: 2, sampleRate: 48000, bitsPerSample: 16 });
    const streamed = riffWave([fmt, { id: 'data', body: data, declaredSize: 0xffffffff }]);
    expect(parseWav(streamed).frameCount).toBe(4);
    const cut = parseWav(streamed.subarray(0, streamed.length - 3)); // half a frame missing at the end
    expect(cut.frameCount).toBe(3);
    expect(cut.data).toHaveLength(12);
  });

  it.each([
    ['pcm_u8', 'u8', 8000, 1],
    ['pcm_s16le', 's16', 44100, 2],
    ['pcm_s24le', 's24', 22050, 1],
    ['pcm_s32le', 's32', 96000, 2],
    ['pcm_f32le', 'f32', 16000, 1],
    ['pcm_f64le', 'f64', 192000, 1],
  ])('reads a %s file written by ffmpeg to a pipe (extensible header, LIST chunk, unknown sizes)', async (codec, format, rate, channels) => {
    const { code, stdout } = await runTool('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=0.2`],
      ...['-ac', String(channels), '-c:a', codec, '-f', 'wav', '-'],
    ]);
    expect(code).toBe(0);
    const wav = parseWav(stdout);
    expect(wav).toMatchObject({ sampleFormat: format, sampleRate: rate, channels, frameCount: rate / 5 });
    for (const plane of decodeWavSamples(wav)) {
      // ffmpeg's sine source has amplitude 1/8, and its mono-to-stereo upmix lowers that by 3 dB.
      const amplitude = channels === 1 ? 1 / 8 : 1 / 8 / Math.SQRT2;
      expect(Math.abs(Math.max(...plane) - amplitude)).toBeLessThan(0.01); // 8-bit steps are 1/128
      // 0.2 s of 440 Hz crosses zero 176 times: the samples are read at the right size and rate.
      let crossings = 0;
      for (let i = 1; i < plane.length; i++) if (plane[i - 1] < 0 !== plane[i] < 0) crossings++;
      expect(Math.abs(crossings - 176)).toBeLessThanOrEqual(2);
    }
  });
});

describe('parseWav on malformed files', () => {
  const valid = wavOf('s16', 2);

  it.each([
    ['NOT_RIFF', 'not a RIFF WAV file', Buffer.from('ID3\x04 not a wav at all')],
    ['NOT_RIFF', 'not a RIFF WAV file', Buffer.alloc(0)],
    ['NOT_WAVE', "RIFF file is not WAVE audio (form type 'AVI ')", riffWave([], 'AVI ')],
    ['MISSING_FMT', 'WAV file has no fmt chunk', riffWave([{ id: 'data', body: Buffer.alloc(4) }])],
    ['MISSING_DATA', 'WAV file has no data chunk', riffWave([fmtChunk({ formatCode: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8 })])],
    ['BAD_FMT', 'WAV fmt chunk of 14 bytes is too short', riffWave([{ id: 'fmt ', body: Buffer.alloc(14) }, { id: 'data', body: Buffer.alloc(4) }])],
    ['TRUNCATED', 'WAV fmt chunk is cut off', valid.subarray(0, 30)],
    ['NO_CHANNELS', 'WAV file declares 0 channels', fmtWav({ channels: 0, blockAlign: 0 })],
    ['TOO_MANY_CHANNELS', 'WAV file has 6 channels; only mono and stereo are supported', fmtWav({ channels: 6 })],
    ['UNSUPPORTED_ENCODING', 'unsupported WAV encoding: format 85 (MP3)', fmtWav({ formatCode: 85 })],
    ['UNSUPPORTED_ENCODING', 'unsupported WAV encoding: format 17 (IMA ADPCM)', fmtWav({ formatCode: 0x11, bitsPerSample: 4 })],
    ['UNSUPPORTED_ENCODING', 'unsupported WAV encoding: format 7 (µ-law)', fmtWav({ subFormat: 7, bitsPerSample: 8 })],
    ['UNSUPPORTED_BIT_DEPTH', 'unsupported WAV sample size: 12-bit PCM (8, 16, 24 or 32)', fmtWav({ bitsPerSample: 12, blockAlign: 3 })],
    ['UNSUPPORTED_BIT_DEPTH', 'unsupported WAV sample size: 16-bit float (32 or 64)', fmtWav({ formatCode: 3 })],
    ['UNSUPPORTED_SAMPLE_RATE', 'unsupported WAV sample rate 4000 Hz (supported: 8000..192000)', fmtWav({ sampleRate: 4000 })],
    ['UNSUPPORTED_SAMPLE_RATE', 'unsupported WAV sample rate 384000 Hz (supported: 8000..192000)', fmtWav({ sampleRate: 384000 })],
    ['BLOCK_ALIGN_MISMATCH', 'WAV block align 3 does not match 2 channel(s) of 16-bit samples (4)', fmtWav({ blockAlign: 3 })],
  ])('%s: "%s"', (code, message, file) => {
    expect(() => parseWav(file)).toThrow(WavFormatError);
    expect(() => parseWav(file)).toThrow(expect.objectContaining({ code, message }));
  });

  it('rejects an extensible sub-format that is not a WAVE format GUID', () => {
    const file = fmtWav({ subFormat: 1 });
    file[36 + 10] ^= 0xff; // corrupt the GUID tail
    expect(() => parseWav(file)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_ENCODING' }));
  });

  it('only ever throws WavFormatError on thousands of random truncations and mutations', () => {
    const random = seededRandom(0x57415645);
    const seeds = [valid, wavOf('f32', 1, { extensible: true }), wavOf('u8', 1, { extra: [{ id: 'LIST', body: Buffer.alloc(5) }] })];
    const outcomes = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 4000; i++) {
      const file = Buffer.from(seeds[i % seeds.length]);
      for (let edits = Math.floor(random() * 4); edits > 0; edits--) {
        const at = Math.floor(random() * file.length);
        // Favour the header, where a flipped byte changes the meaning.
        file[random() < 0.7 ? at % 48 : at] = Math.floor(random() * 256);
      }
      const input = random() < 0.5 ? file.subarray(0, Math.floor(random() * file.length)) : file;
      try {
        const wav = parseWav(input);
        decodeWavSamples(wav);
        expect(wav.data.length).toBe(wav.frameCount * wav.blockAlign);
        outcomes.parsed++;
      } catch (err) {
        if (!(err instanceof WavFormatError)) throw err;
        outcomes.rejected++;
      }
    }
    expect(outcomes.parsed).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });
});
