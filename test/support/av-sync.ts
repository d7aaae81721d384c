import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stallTimeoutArgs } from './ffmpeg-input';
import { runOrThrow } from './processes';

/** Video frames brighter than this (mean luma 0..255) are a flash. */
const FLASH_LUMA = 128;
/** Audio windows louder than this are a beep, dBFS. */
const BEEP_DBFS = -30;

/** `(time, value)` pairs from an ffmpeg `metadata=print` file. */
function readMetadata(text: string, key: string): Array<[number, number]> {
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
function onsets(points: Array<[number, number]>, threshold: number): number[] {
  const times: number[] = [];
  let above = true; // a stream that starts mid-flash does not count as an onset
  for (const [time, value] of points) {
    const now = Number.isFinite(value) && value > threshold;
    if (now && !above) times.push(time);
    above = now;
  }
  return times;
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
      `[0:a]asetnsamples=n=240,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.RMS_level:file=${audioFile}[a]`;
    await runOrThrow('ffmpeg', ['-v', 'error', ...stallTimeoutArgs((seconds + 10) * 1000), '-i', url, '-t', String(seconds), '-filter_complex', graph, '-map', '[v]', '-map', '[a]', '-f', 'null', '-'], {
      timeoutMs: (seconds + 20) * 1000,
    });
    const flashes = onsets(readMetadata(await readFile(videoFile, 'utf8'), 'lavfi.signalstats.YAVG'), FLASH_LUMA);
    const beeps = onsets(readMetadata(await readFile(audioFile, 'utf8'), 'lavfi.astats.Overall.RMS_level'), BEEP_DBFS);
    return flashes
      .map((flash) => beeps.reduce((best, beep) => (Math.abs(beep - flash) < Math.abs(best - flash) ? beep : best), Infinity) - flash)
      .filter((offset) => Math.abs(offset) < 0.5)
      .map((offset) => offset * 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
