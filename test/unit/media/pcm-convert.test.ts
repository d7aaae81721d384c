import { OUTPUT_SAMPLE_RATE, toStereo48kS16 } from '../../../server/media/pcm/pcm-convert';
import { resample } from '../../../server/media/pcm/sinc-resampler';

// Local aliases: under Jest every lookup of the global Math is slow, and these helpers run per sample.
const { sin, cos, sqrt, log10, PI } = Math;

const sine = (frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * sin((2 * PI * frequency * i) / rate));

/**
 * Power of what is left after removing the best-fitting sine at `frequency` (least squares on
 * sin, cos), relative to that sine, dB. Catches a wrong pitch, harmonics, aliases and noise alike.
 */
function residualDb(signal: ArrayLike<number>, rate: number, frequency: number): number {
  let ss = 0, cc = 0, sc = 0, xs = 0, xc = 0; // prettier-ignore
  for (let i = 0; i < signal.length; i++) {
    const s = sin((2 * PI * frequency * i) / rate);
    const c = cos((2 * PI * frequency * i) / rate);
    ss += s * s; cc += c * c; sc += s * c; xs += signal[i] * s; xc += signal[i] * c; // prettier-ignore
  }
  const det = ss * cc - sc * sc;
  const a = (xs * cc - xc * sc) / det;
  const b = (xc * ss - xs * sc) / det;
  let residual = 0;
  let tone = 0;
  for (let i = 0; i < signal.length; i++) {
    const model = a * sin((2 * PI * frequency * i) / rate) + b * cos((2 * PI * frequency * i) / rate);
    residual += (signal[i] - model) ** 2;
    tone += model ** 2;
  }
  return 10 * log10(residual / tone);
}

/** One channel of interleaved stereo, without the first and last 50 ms (filter run-in and run-out). */
const channel = (interleaved: Int16Array, index: 0 | 1): Float64Array => {
  const frames = interleaved.length / 2;
  const edge = OUTPUT_SAMPLE_RATE / 20;
  return Float64Array.from({ length: frames - 2 * edge }, (_, i) => interleaved[2 * (i + edge) + index] / 32768);
};

function rms(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] ** 2;
  return sqrt(sum / x.length);
}

describe('toStereo48kS16', () => {
  it('passes 48 kHz stereo through bit-exactly', () => {
    const left = Float32Array.from([0, 0.5, -0.5, -1, 32767 / 32768]);
    const right = Float32Array.from([1 / 32768, -1 / 32768, 0.25, 0, -0.75]);
    expect(Array.from(toStereo48kS16([left, right], 48000))).toEqual([0, 1, 16384, -1, -16384, 8192, -32768, 0, 32767, -24576]);
  });

  it('copies mono to both channels and clips out-of-range samples', () => {
    expect(Array.from(toStereo48kS16([Float32Array.from([0.25, 1.5, -2])], 48000))).toEqual([8192, 8192, 32767, 32767, -32768, -32768]);
  });

  it.each([8000, 22050, 44100, 96000])('turns a 440 Hz tone at %i Hz into a clean 440 Hz tone at 48 kHz', (rate) => {
    const seconds = 1;
    const out = toStereo48kS16([sine(440, rate, seconds)], rate);
    expect(out.length / 2).toBe(OUTPUT_SAMPLE_RATE * seconds);
    const left = channel(out, 0);
    expect(channel(out, 1).every((sample, i) => sample === left[i])).toBe(true);
    expect(rms(left)).toBeCloseTo(0.5 / Math.SQRT2, 3); // unity gain in the passband
    // Harmonics, images, aliases and pitch errors together stay 80 dB below the tone (16-bit output floors near -92 dB).
    expect(residualDb(left, OUTPUT_SAMPLE_RATE, 440)).toBeLessThan(-80);
  });

  it('resamples stereo channels independently', () => {
    const out = toStereo48kS16([sine(440, 44100, 0.5), sine(1000, 44100, 0.5)], 44100);
    expect(residualDb(channel(out, 0), OUTPUT_SAMPLE_RATE, 440)).toBeLessThan(-80);
    expect(residualDb(channel(out, 1), OUTPUT_SAMPLE_RATE, 1000)).toBeLessThan(-80);
  });
});

describe('resample', () => {
  it('removes content above the output Nyquist frequency when downsampling', () => {
    // 30 kHz cannot exist at 48 kHz: without the anti-alias filter it would fold to 18 kHz.
    const out = resample(sine(30000, 96000, 0.5), 96000, 48000);
    expect(20 * Math.log10(rms(out.subarray(2400, -2400)) / (0.5 / Math.SQRT2))).toBeLessThan(-80);
  });

  it('keeps a tone well inside the passband at unity gain', () => {
    const out = resample(sine(15000, 44100, 0.5), 44100, 48000);
    expect(residualDb(out.subarray(2400, -2400), 48000, 15000)).toBeLessThan(-80);
    expect(rms(out.subarray(2400, -2400))).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('keeps duration: the output has round(n × to / from) samples', () => {
    expect(resample(new Float32Array(441), 44100, 48000)).toHaveLength(480);
    expect(resample(new Float32Array(1000), 11025, 48000)).toHaveLength(4354);
  });
});
