import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stallTimeoutArgs } from './ffmpeg-input';
import { runOrThrow } from './processes';

/** Video frames brighter than this (mean luma 0..255) are a flash. */
export const FLASH_LUMA = 128;
/** Audio windows louder than this are a beep, dBFS. */
export const BEEP_DBFS = -30;
/** The metadata key of each audio window's level in `beepLevelsFilter`'s output. */
export const BEEP_LEVEL_KEY = 'lavfi.astats.Overall.RMS_level';

/** Audio filters that print the RMS level of each 5 ms window (at 48 kHz), to `file` or to ffmpeg's log. */
export function beepLevelsFilter(file?: string): string {
  return `asetnsamples=n=240,astats=metadata=1:reset=1,ametadata=print:key=${BEEP_LEVEL_KEY}${file === undefined ? '' : `:file=${file}`}`;
}

/** `(time, value)` pairs from an ffmpeg `metadata=print` output. */
export function readMetadata(text: string, key: string): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  let time: number | undefined;
  for (const line of text.split('\n')) {
    const pts = /pts_time:([-\d.]+)/.exec(line);
    if (pts) time = Number(pts[1]);
    else if (line.startsWith(`${key}=`) && time !== undefined) points.push([time, Number(line.slice(key.length + 1))]);
  }
  return points;
}

/** Times at which `points` cross `threshold` upwards, s. */
export function onsets(points: ReadonlyArray<readonly [number, number]>, threshold: number): number[] {
  const times: number[] = [];
  let above = true; // a stream that starts mid-flash does not count as an onset
  for (const [time, value] of points) {
    const now = Number.isFinite(value) && value > threshold;
    if (now && !above) times.push(time);
    above = now;
  }
  return times;
}

/** For each flash (s), how far the nearest beep (s) is from it, ms (audio minus video); flashes without a beep within 500 ms are left out. */
export function flashBeepPairs(flashes: readonly number[], beeps: readonly number[]): Array<{ flash: number; offsetMs: number }> {
  return flashes
    .map((flash) => ({ flash, offset: beeps.reduce((best, beep) => (Math.abs(beep - flash) < Math.abs(best - flash) ? beep : best), Infinity) - flash }))
    .filter(({ offset }) => Math.abs(offset) < 0.5)
    .map(({ flash, offset }) => ({ flash, offsetMs: offset * 1000 }));
}

/**
 * Records `seconds` of a stream showing flashes with simultaneous beeps (see PublisherPageServer's
 * `flashAndBeep`) and returns, for each flash, how far its beep is from it: audio time minus video
 * time, ms, as the stream's own timestamps place them.
 */
export async function flashBeepOffsets(url: string, seconds: number): Promise<number[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'av-sync-'));
  try {
    const videoFile = path.join(dir, 'video.txt');
    const audioFile = path.join(dir, 'audio.txt');
    const graph = `[0:v]signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=${videoFile}[v];` +
      `[0:a]${beepLevelsFilter(audioFile)}[a]`;
    await runOrThrow('ffmpeg', ['-v', 'error', ...stallTimeoutArgs((seconds + 10) * 1000), '-i', url, '-t', String(seconds), '-filter_complex', graph, '-map', '[v]', '-map', '[a]', '-f', 'null', '-'], {
      timeoutMs: (seconds + 20) * 1000,
    });
    const flashes = onsets(readMetadata(await readFile(videoFile, 'utf8'), 'lavfi.signalstats.YAVG'), FLASH_LUMA);
    const beeps = onsets(readMetadata(await readFile(audioFile, 'utf8'), BEEP_LEVEL_KEY), BEEP_DBFS);
    return flashBeepPairs(flashes, beeps).map(({ offsetMs }) => offsetMs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
