/**
 * Band-limited resampling of one channel by windowed-sinc interpolation.
 *
 * Each output sample is the input convolved with a low-pass sinc kernel centred on the output
 * instant. The cutoff sits at 90% of the lower Nyquist frequency of the two rates (so downsampling
 * is anti-aliased and upsampling does not create images); the kernel spans ±ZERO_CROSSINGS lobes
 * and is shaped by a Kaiser window (β = 9, stopband about -90 dB). The kernel is tabulated at
 * TABLE_STEPS points per input sample and linearly interpolated, which keeps arbitrary rate
 * ratios (e.g. 44100 → 48000) cheap without a per-ratio polyphase bank.
 */

/** Sinc lobes on each side of the kernel centre. */
const ZERO_CROSSINGS = 16;
/** Cutoff as a fraction of the lower Nyquist frequency. */
const CUTOFF = 0.9;
const KAISER_BETA = 9;
/** Kernel table resolution, points per input sample. */
const TABLE_STEPS = 512;

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; term > sum * 1e-12; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

/** One half of the symmetric kernel, sampled at t = i / TABLE_STEPS input samples from the centre. */
function kernelTable(cutoff: number, halfWidth: number): Float64Array {
  const table = new Float64Array(Math.ceil(halfWidth * TABLE_STEPS) + 2);
  const i0Beta = besselI0(KAISER_BETA);
  for (let i = 0; i < table.length; i++) {
    const t = i / TABLE_STEPS;
    if (t >= halfWidth) break; // beyond the window: zero
    const x = Math.PI * cutoff * t;
    const sinc = t === 0 ? 1 : Math.sin(x) / x;
    const window = besselI0(KAISER_BETA * Math.sqrt(1 - (t / halfWidth) ** 2)) / i0Beta;
    table[i] = cutoff * sinc * window;
  }
  return table;
}

/** Resamples `input` (one channel, any scale) from `fromRate` to `toRate` Hz; same duration, new length. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return input.slice();
  const cutoff = CUTOFF * Math.min(1, toRate / fromRate);
  // Lobes are 1/cutoff input samples wide, so a lower cutoff needs a longer kernel.
  const halfWidth = ZERO_CROSSINGS / cutoff;
  const table = kernelTable(cutoff, halfWidth);
  const output = new Float32Array(Math.round((input.length * toRate) / fromRate));
  const lastInput = input.length - 1;
  for (let n = 0; n < output.length; n++) {
    const centre = (n * fromRate) / toRate; // output instant, in input samples
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(lastInput, Math.floor(centre + halfWidth));
    let acc = 0;
    // Plain arithmetic instead of Math.abs/Math.floor: this loop runs tens of times per output sample.
    for (let i = first; i <= last; i++) {
      const distance = centre - i;
      const position = (distance < 0 ? -distance : distance) * TABLE_STEPS;
      const index = position | 0; // floor, as position >= 0
      const fraction = position - index;
      acc += input[i] * (table[index] + fraction * (table[index + 1] - table[index]));
    }
    output[n] = acc;
  }
  return output;
}
