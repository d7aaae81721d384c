import { fftInPlace } from './fft';
import { stallTimeoutArgs } from './ffmpeg-input';
import { runOrThrow } from './processes';

export { makeSineWav, type SineWavOptions } from './sine-wav';

/**
 * The level reported for digital silence, dBFS: every level below it is clamped to it, so results
 * stay finite (they print and compare like numbers) while sitting far below any 16-bit signal (−96 dBFS).
 */
export const SILENCE_DBFS = -120;

/** Content below this is DC offset or rumble, never the tone under test, Hz. */
const MIN_TONE_HZ = 20;

/** Stable codes of `AudioAnalysisError`. */
export type AudioAnalysisErrorCode = 'EMPTY_SIGNAL' | 'SILENT_SIGNAL';

/** The samples cannot answer the question asked (nothing recorded, or no tone in digital silence). */
export class AudioAnalysisError extends Error {
  constructor(
    readonly code: AudioAnalysisErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AudioAnalysisError';
  }
}

/** Options of `recordPcm()`. */
export interface RecordPcmOptions {
  /** Media time to record, seconds. */
  readonly seconds: number;
  /** Output sample rate, Hz; default 48000. */
  readonly sampleRate?: number;
  /** Hard limit on the recording, ms; default `seconds` + 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Decodes the first `seconds` of the audio of `url` (rtmp:// URL or file path) with ffmpeg into mono
 * float samples in −1..1, the average of all channels. Shorter than asked if the source ends early.
 */
export async function recordPcm(url: string, options: RecordPcmOptions): Promise<Float32Array> {
  const sampleRate = options.sampleRate ?? 48000;
  const timeoutMs = options.timeoutMs ?? options.seconds * 1000 + 10_000;
  // `-ac 1` would mix stereo as (L+R)/√2, reading a dual-mono tone 3 dB hot; capping the
  // mixing matrix at 1 makes the mix a plain average, so level does not depend on the layout.
  const mixToMono = `aresample=osr=${sampleRate}:ochl=mono:rematrix_maxval=1`;
  const args = [
    ...['-v', 'error', ...stallTimeoutArgs(timeoutMs), '-i', url],
    ...['-t', String(options.seconds), '-vn', '-af', mixToMono, '-f', 'f32le', 'pipe:1'],
  ];
  const { stdout } = await runOrThrow('ffmpeg', args, { timeoutMs });
  return toFloat32(stdout);
}

/** RMS level, dBFS relative to a full-scale square wave (a full-scale sine reads −3.01); floor SILENCE_DBFS. */
export function rmsDbfs(samples: Float32Array): number {
  requireSamples(samples);
  let sumOfSquares = 0;
  for (const s of samples) sumOfSquares += s * s;
  return toDbfs(Math.sqrt(sumOfSquares / samples.length));
}

/** Highest absolute sample, dBFS (a full-scale sine reads 0); floor SILENCE_DBFS. */
export function peakDbfs(samples: Float32Array): number {
  requireSamples(samples);
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  return toDbfs(peak);
}

/**
 * RMS level (dBFS, as `rmsDbfs`) of each consecutive `windowMs` window; a trailing partial window
 * is dropped. Shows gaps and dropouts that a whole-recording level averages away.
 */
export function levelsOverTime(samples: Float32Array, sampleRate: number, windowMs: number): number[] {
  const windowSamples = Math.round((windowMs * sampleRate) / 1000);
  if (windowSamples < 1) throw new RangeError(`a ${windowMs} ms window holds no sample at ${sampleRate} Hz`);
  const levels: number[] = [];
  for (let start = 0; start + windowSamples <= samples.length; start += windowSamples) {
    levels.push(rmsDbfs(samples.subarray(start, start + windowSamples)));
  }
  return levels;
}

/**
 * Frequency of the strongest tone above 20 Hz, Hz: Hann window, FFT zero-padded to a power of two,
 * then a parabola through the log magnitudes of the peak bin and its neighbours for sub-bin accuracy.
 * Throws AudioAnalysisError 'SILENT_SIGNAL' for digital silence.
 */
export function dominantFrequency(samples: Float32Array, sampleRate: number): number {
  requireSamples(samples);
  let size = 2;
  while (size < samples.length) size *= 2;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const last = Math.max(samples.length - 1, 1);
  for (let i = 0; i < samples.length; i++) re[i] = samples[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / last));
  fftInPlace(re, im);

  const power = (bin: number) => re[bin]! * re[bin]! + im[bin]! * im[bin]!;
  const firstBin = Math.max(1, Math.ceil((MIN_TONE_HZ * size) / sampleRate));
  let peakBin = firstBin;
  for (let bin = firstBin + 1; bin < size / 2; bin++) if (power(bin) > power(peakBin)) peakBin = bin;
  if (power(peakBin) === 0) throw new AudioAnalysisError('SILENT_SIGNAL', 'no tone to find in digital silence');

  const logMagnitude = (bin: number) => Math.log(Math.max(power(bin), Number.MIN_VALUE));
  const [before, at, after] = [logMagnitude(peakBin - 1), logMagnitude(peakBin), logMagnitude(peakBin + 1)];
  const curvature = before - 2 * at + after;
  const offset = curvature === 0 ? 0 : (0.5 * (before - after)) / curvature;
  return ((peakBin + offset) * sampleRate) / size;
}

function toDbfs(amplitude: number): number {
  return Math.max(SILENCE_DBFS, 20 * Math.log10(amplitude));
}

function requireSamples(samples: Float32Array): void {
  if (samples.length === 0) throw new AudioAnalysisError('EMPTY_SIGNAL', 'no samples to analyse');
}

/** Views f32le bytes as floats (host byte order is little-endian on every platform Node targets). */
function toFloat32(bytes: Buffer): Float32Array {
  const count = Math.floor(bytes.length / 4);
  // A Float32Array view needs a 4-byte aligned offset; pooled Buffers may not have one.
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  return new Float32Array(new Uint8Array(bytes.subarray(0, count * 4)).buffer);
}
