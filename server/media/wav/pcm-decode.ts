import type { PcmChannels } from '../pcm/pcm-convert';
import type { WavFile, WavSampleFormat } from './wav-reader';

/** Bytes per sample and the reader that turns one sample into -1..1. */
const SAMPLE_READERS: Record<WavSampleFormat, { bytes: number; read: (data: Buffer, offset: number) => number }> = {
  u8: { bytes: 1, read: (d, o) => (d[o] - 128) / 128 },
  s16: { bytes: 2, read: (d, o) => d.readInt16LE(o) / 32768 },
  s24: { bytes: 3, read: (d, o) => d.readIntLE(o, 3) / 8388608 },
  s32: { bytes: 4, read: (d, o) => d.readInt32LE(o) / 2147483648 },
  f32: { bytes: 4, read: (d, o) => d.readFloatLE(o) },
  f64: { bytes: 8, read: (d, o) => d.readDoubleLE(o) },
};

/**
 * Decodes the samples of a WAV file to one Float32Array per channel, full scale = ±1
 * (floats are passed through unclipped).
 */
export function decodeWavSamples(wav: WavFile): PcmChannels {
  const { bytes, read } = SAMPLE_READERS[wav.sampleFormat];
  const planes: PcmChannels =
    wav.channels === 1 ? [new Float32Array(wav.frameCount)] : [new Float32Array(wav.frameCount), new Float32Array(wav.frameCount)];
  let offset = 0;
  for (let frame = 0; frame < wav.frameCount; frame++) {
    for (const plane of planes) {
      plane[frame] = read(wav.data, offset);
      offset += bytes;
    }
  }
  return planes;
}
