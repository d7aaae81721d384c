import { resample } from './sinc-resampler';

/** Decoded audio, one plane per channel: mono or stereo. */
export type PcmChannels = readonly [Float32Array] | readonly [Float32Array, Float32Array];

/** Sample rate of the gateway's audio output, Hz. */
export const OUTPUT_SAMPLE_RATE = 48000;

/**
 * Converts decoded audio (one Float32Array per channel, full scale ±1, 1 or 2 channels) to
 * interleaved stereo signed 16-bit at 48000 Hz: mono is copied to both channels, other rates go
 * through the windowed-sinc resampler, out-of-range samples are clipped.
 */
export function toStereo48kS16(channels: PcmChannels, sampleRate: number): Int16Array {
  const [left] = channels;
  const right = channels[1] ?? left;
  const resampledLeft = sampleRate === OUTPUT_SAMPLE_RATE ? left : resample(left, sampleRate, OUTPUT_SAMPLE_RATE);
  const resampledRight =
    right === left ? resampledLeft : sampleRate === OUTPUT_SAMPLE_RATE ? right : resample(right, sampleRate, OUTPUT_SAMPLE_RATE);
  const frames = Math.min(resampledLeft.length, resampledRight.length);
  const out = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[2 * i] = toS16(resampledLeft[i]);
    out[2 * i + 1] = toS16(resampledRight[i]);
  }
  return out;
}

/** ±1 full scale → signed 16-bit; 32768 (not 32767) keeps 16-bit input bit-exact. */
function toS16(sample: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(sample * 32768)));
}
