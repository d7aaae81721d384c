import { BEEP_DBFS, FLASH_LUMA, flashBeepPairs, onsets } from './av-sync';
import type { DecodedVideoFrame, StreamRecording } from './stream-recording';

/**
 * What a viewer of a recorded stream (stream-recording.ts) would see: freezes, recovery after a
 * moment, damaged pictures, A/V sync, and where a wall-clock moment falls in the stream.
 *
 * Mapping the wall clock to stream time: each picture of the `flashAndBeep` page carries the
 * Date.now() at which it was drawn (time-code.ts). The stream's timestamps follow the capture clock
 * (RTP and RTCP sender reports, then RTMP), so drawn time minus pts is the same for every picture
 * up to the draw-to-capture delay (under one 16 ms animation frame); its median is the mapping, and
 * its spread says how good it is. The test process and the browser (namespaced or not) read the
 * same system clock, so a moment the test notes with Date.now() — a relay burst starting — maps to
 * stream time `(wallMs − offsetMs) / 1000`. A packet that enters the relay at wall time T carries a
 * picture drawn a little earlier (encoding and pacing, tens of ms), which is why a burst's window
 * in stream time starts BURST_LEAD_S early.
 */

/** A stretch of stream time, s. */
export interface StreamWindow {
  readonly fromS: number;
  readonly toS: number;
}

/** The longest gap between consecutive pictures. */
export interface Freeze {
  /** pts of the last picture before the gap, s. */
  readonly fromS: number;
  /** pts of the first picture after it, s. */
  readonly toS: number;
  readonly durationMs: number;
}

/** How the stream's timestamps relate to the wall clock. */
export interface StreamClock {
  /** Drawn time (ms since the epoch) minus pts (ms): the median over the time-coded pictures. */
  readonly offsetMs: number;
  /** 95th percentile of how far pictures stray from `offsetMs`, ms. */
  readonly spreadMs: number;
  /** Stream time (s) of a wall-clock moment (ms since the epoch). */
  toStreamS(wallMs: number): number;
}

/** How the stream came back after a moment. */
export interface Recovery {
  /** pts of the first intact picture from which the cadence is regular again, s. */
  readonly atS: number;
  /** From the moment to `atS`, ms (0 if the stream never faltered). */
  readonly afterMs: number;
  /** From the moment to the first keyframe after it, ms; undefined if none came. */
  readonly firstKeyframeAfterMs: number | undefined;
}

/** Options of `recoveryAfter`. */
export interface RecoveryOptions {
  /** The largest gap between pictures that still counts as regular, ms; default 100 (3 frames at 30 fps). */
  readonly maxGapMs?: number;
  /** How long the cadence must stay regular, with intact pictures only, ms; default 500. */
  readonly holdMs?: number;
  /** Which pictures are intact; default those with a readable time code (qualityReport also rejects stale ones: `isIntact`). */
  readonly intact?: (frame: DecodedVideoFrame) => boolean;
}

/** One flash and its beep. */
export interface AvSyncSample {
  /** pts of the flash, s. */
  readonly atS: number;
  /** Beep minus flash, ms: positive when audio is late. */
  readonly offsetMs: number;
}

/** The figures of issue 11 for one recording. */
export interface QualityReport {
  readonly frames: number;
  /** Pictures that are not `isIntact`: decoded from damaged or missing references. */
  readonly damagedFrames: number;
  /** Median gap between pictures, ms. */
  readonly frameIntervalMs: number;
  /** The longest gap that does not touch the burst's window, ms. */
  readonly longestFreezeMs: number;
  readonly longestFreeze: Freeze;
  /** ffmpeg's error lines. */
  readonly decodeErrors: number;
  /** Median of the A/V offsets, ms; undefined without flashes and beeps. */
  readonly avSyncMedianMs: number | undefined;
  /** The largest A/V offset by magnitude, ms. */
  readonly avSyncWorstMs: number | undefined;
  /** The wall-clock mapping's spread, ms. */
  readonly clockSpreadMs: number;
  /** With a burst: its window in stream time and the recovery after its end. */
  readonly burst?: { readonly window: StreamWindow; readonly recovery: Recovery | undefined };
}

/** How much earlier than the relay's burst its window starts in stream time, s (see the module comment). */
export const BURST_LEAD_S = 0.15;
/** Fewest time-coded pictures `streamClock` accepts. */
const MIN_CLOCK_FRAMES = 10;
/**
 * How far a picture's time code may stray from the clock, ms. A picture concealed from a missing
 * reference shows the code of an older one, at least a frame (33 ms) away; a clean stream's codes
 * stray by a few ms.
 */
export const STALE_CODE_MS = 20;

/** The picture is what the page drew at its timestamp: its time code reads and agrees with the clock. */
export function isIntact(frame: DecodedVideoFrame, clock: StreamClock): boolean {
  return frame.drawnAtMs !== undefined && Math.abs(frame.drawnAtMs - frame.pts * 1000 - clock.offsetMs) <= STALE_CODE_MS;
}

/**
 * The longest gap between consecutive pictures by their timestamps, leaving out every gap that
 * overlaps an `exclude` window (a freeze the burst caused is judged by `recoveryAfter` instead).
 */
export function longestFreeze(frames: readonly DecodedVideoFrame[], exclude: readonly StreamWindow[] = []): Freeze {
  if (frames.length < 2) throw new RangeError(`need two pictures to measure a freeze, got ${frames.length}`);
  let longest: Freeze = { fromS: frames[0]!.pts, toS: frames[0]!.pts, durationMs: 0 };
  for (let i = 1; i < frames.length; i++) {
    const fromS = frames[i - 1]!.pts;
    const toS = frames[i]!.pts;
    if (exclude.some((window) => fromS < window.toS && toS > window.fromS)) continue;
    const durationMs = (toS - fromS) * 1000;
    if (durationMs > longest.durationMs) longest = { fromS, toS, durationMs };
  }
  return longest;
}

/** Maps wall-clock moments to stream time from the pictures' time codes; throws with fewer than 10 coded pictures. */
export function streamClock(frames: readonly DecodedVideoFrame[]): StreamClock {
  const offsets = frames.flatMap((frame) => (frame.drawnAtMs === undefined ? [] : [frame.drawnAtMs - frame.pts * 1000]));
  if (offsets.length < MIN_CLOCK_FRAMES) throw new RangeError(`only ${offsets.length} pictures carry a readable time code`);
  const offsetMs = quantile(offsets, 0.5);
  const spreadMs = quantile(offsets.map((offset) => Math.abs(offset - offsetMs)), 0.95);
  return { offsetMs, spreadMs, toStreamS: (wallMs) => (wallMs - offsetMs) / 1000 };
}

/**
 * When the stream is back after `fromS`: the first intact picture at or after it from which every
 * picture for `holdMs` is intact and no gap exceeds `maxGapMs`. Undefined if that never happens in
 * the recording (or the recording ends before `holdMs` has passed).
 */
export function recoveryAfter(frames: readonly DecodedVideoFrame[], fromS: number, options: RecoveryOptions = {}): Recovery | undefined {
  const maxGapS = (options.maxGapMs ?? 100) / 1000;
  const holdS = (options.holdMs ?? 500) / 1000;
  const intact = options.intact ?? ((frame: DecodedVideoFrame) => frame.drawnAtMs !== undefined);
  const keyframe = frames.find((frame) => frame.keyframe && frame.pts >= fromS);
  const firstKeyframeAfterMs = keyframe === undefined ? undefined : (keyframe.pts - fromS) * 1000;
  for (let i = frames.findIndex((frame) => frame.pts >= fromS); i >= 0 && i < frames.length; i++) {
    const start = frames[i]!;
    let j = i;
    while (j + 1 < frames.length && frames[j]!.pts < start.pts + holdS) {
      if (!intact(frames[j]!) || frames[j + 1]!.pts - frames[j]!.pts > maxGapS) break;
      j++;
    }
    if (frames[j]!.pts >= start.pts + holdS && frames.slice(i, j + 1).every(intact)) {
      return { atS: start.pts, afterMs: Math.max(0, (start.pts - fromS) * 1000), firstKeyframeAfterMs };
    }
  }
  return undefined;
}

/** Each flash matched with its beep (from `flashAndBeep`), by the recording's timestamps. */
export function avSyncSamples(recording: StreamRecording): AvSyncSample[] {
  const flashes = onsets(recording.frames.map((frame) => [frame.pts, frame.luma] as const), FLASH_LUMA);
  const beeps = onsets(recording.audioLevels, BEEP_DBFS);
  return flashBeepPairs(flashes, beeps).map(({ flash, offsetMs }) => ({ atS: flash, offsetMs }));
}

/** The figures of issue 11; with `burst` (the relay's, on the wall clock) also the recovery after it. */
export function qualityReport(recording: StreamRecording, options: { burst?: { startedAtMs: number; endsAtMs: number }; recovery?: Omit<RecoveryOptions, 'intact'> } = {}): QualityReport {
  const { frames } = recording;
  const clock = streamClock(frames);
  const window = options.burst === undefined ? undefined : { fromS: clock.toStreamS(options.burst.startedAtMs) - BURST_LEAD_S, toS: clock.toStreamS(options.burst.endsAtMs) };
  const freeze = longestFreeze(frames, window === undefined ? [] : [window]);
  const sync = avSyncSamples(recording).map((sample) => sample.offsetMs);
  const gaps = frames.slice(1).map((frame, i) => (frame.pts - frames[i]!.pts) * 1000);
  return {
    frames: frames.length,
    damagedFrames: frames.filter((frame) => !isIntact(frame, clock)).length,
    frameIntervalMs: quantile(gaps, 0.5),
    longestFreezeMs: freeze.durationMs,
    longestFreeze: freeze,
    decodeErrors: recording.errors.length,
    avSyncMedianMs: sync.length === 0 ? undefined : quantile(sync, 0.5),
    avSyncWorstMs: sync.length === 0 ? undefined : sync.reduce((worst, offset) => (Math.abs(offset) > Math.abs(worst) ? offset : worst)),
    clockSpreadMs: clock.spreadMs,
    ...(window === undefined ? {} : { burst: { window, recovery: recoveryAfter(frames, window.toS, { intact: (frame) => isIntact(frame, clock), ...options.recovery }) } }),
  };
}

/** One line for a test report. */
export function formatQualityReport(label: string, report: QualityReport): string {
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);
  const burst = report.burst === undefined ? '' : `, recovered ${ms(report.burst.recovery?.afterMs)} after the burst (keyframe ${ms(report.burst.recovery?.firstKeyframeAfterMs)})`;
  return `${label}: ${report.frames} pictures (${report.damagedFrames} damaged, every ${ms(report.frameIntervalMs)}), longest freeze ${ms(report.longestFreezeMs)}${burst}, ${report.decodeErrors} decode errors, A/V sync median ${ms(report.avSyncMedianMs)} (worst ${ms(report.avSyncWorstMs)})`;
}

/** The `q` quantile of `values` (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
