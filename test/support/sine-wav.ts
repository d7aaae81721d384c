import { writeFile } from 'node:fs/promises';

/** What `makeSineWav()` writes. */
export interface SineWavOptions {
  /** Tone frequency, Hz. */
  readonly frequency: number;
  /** Duration, seconds. */
  readonly seconds: number;
  /** Hz; default 48000. */
  readonly sampleRate?: number;
  /** Every channel carries the same tone; default 1. */
  readonly channels?: number;
  /** Signed little-endian integer PCM; default 16. */
  readonly bitsPerSample?: 16 | 24 | 32;
  /** Peak as a fraction of full scale, 0..1; default 0.5 (−6.02 dBFS peak). */
  readonly amplitude?: number;
}

/** RIFF header + 'fmt ' chunk + 'data' chunk header, bytes. */
const HEADER_BYTES = 44;
const WAVE_FORMAT_PCM = 1;

/**
 * Writes a sine tone as an uncompressed PCM RIFF/WAVE file at `path` (e.g. for Chromium's
 * `--use-file-for-fake-audio-capture`). Throws RangeError for an amplitude outside 0..1.
 */
export async function makeSineWav(path: string, options: SineWavOptions): Promise<void> {
  await writeFile(path, encodeSineWav(options));
}

function encodeSineWav(options: SineWavOptions): Buffer {
  const { frequency, seconds, sampleRate = 48000, channels = 1, bitsPerSample = 16, amplitude = 0.5 } = options;
  if (!(amplitude >= 0 && amplitude <= 1)) throw new RangeError(`amplitude must be within 0..1, got ${amplitude}`);
  const bytesPerSample = bitsPerSample / 8;
  const blockAlign = channels * bytesPerSample;
  const frameCount = Math.round(seconds * sampleRate);
  const dataBytes = frameCount * blockAlign;

  const wav = Buffer.alloc(HEADER_BYTES + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // size of the PCM 'fmt ' body
  wav.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  wav.writeUInt16LE(channels, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * blockAlign, 28); // byte rate
  wav.writeUInt16LE(blockAlign, 32);
  wav.writeUInt16LE(bitsPerSample, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);

  const fullScale = 2 ** (bitsPerSample - 1) - 1;
  const radiansPerFrame = (2 * Math.PI * frequency) / sampleRate;
  let offset = HEADER_BYTES;
  for (let frame = 0; frame < frameCount; frame++) {
    const value = Math.round(amplitude * fullScale * Math.sin(radiansPerFrame * frame));
    for (let channel = 0; channel < channels; channel++) {
      offset = wav.writeIntLE(value, offset, bytesPerSample);
    }
  }
  return wav;
}
