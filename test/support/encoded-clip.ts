import path from 'node:path';
import { loadClipFrames, type ClipFrames } from '../../bench/clip-frames';
import { runOrThrow } from './processes';

/** What `encodeClip` makes: testsrc2 in H.264 (baseline, no B-frames) and a 440 Hz sine in AAC. */
export interface ClipSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly seconds: number;
  /** Keyframe interval, frames. */
  readonly gop: number;
  readonly sampleRate: number;
  readonly channels: number;
}

/**
 * A clip encoded by Debian's ffmpeg (x264 and its AAC encoder) into `dir`, loaded as the hub
 * carries media (AVCC access units, raw AAC frames): input for the container tests.
 */
export async function encodeClip(dir: string, spec: ClipSpec): Promise<ClipFrames> {
  const h264Path = path.join(dir, 'v.h264');
  const aacPath = path.join(dir, 'a.aac');
  await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${spec.width}x${spec.height}:r=${spec.fps}`, '-t', String(spec.seconds),
    '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', String(spec.gop), '-bf', '0', '-f', 'h264', h264Path], { timeoutMs: 30_000 });
  await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${spec.sampleRate}`, '-t', String(spec.seconds),
    '-ac', String(spec.channels), '-c:a', 'aac', '-f', 'adts', aacPath], { timeoutMs: 30_000 });
  return loadClipFrames({ h264Path, aacPath });
}
