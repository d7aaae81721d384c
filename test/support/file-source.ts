import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HubSource } from '../../bench/hub-source';
import { runOrThrow } from './processes';

/** What the clip looks like. */
export interface FileSourceOptions {
  width: number;
  height: number;
  fps: number;
  /** Video bitrate, kbit/s (noise content, so the encoder really spends it). */
  videoKbps: number;
  /** Clip length, s; the source loops it with continuous timestamps. */
  seconds: number;
}

/**
 * Encodes a noise clip with ffmpeg (bounded) and loads it as a stream to publish straight into a
 * gateway's hub, paced in real time (`source.start(gateway.paths, name)`). It stands in for a
 * publisher where a browser cannot produce the bitrate a test needs (e.g. to fill loopback socket
 * buffers in seconds).
 */
export async function createFileSource(options: FileSourceOptions): Promise<HubSource> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'file-source-'));
  try {
    const h264Path = path.join(dir, 'v.h264');
    const aacPath = path.join(dir, 'a.aac');
    const { width, height, fps, videoKbps, seconds } = options;
    await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `nullsrc=s=${width}x${height}:r=${fps},geq=random(1)*255:128:128`, '-t', String(seconds),
      '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', String(fps), '-bf', '0',
      '-b:v', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps}k`, '-f', 'h264', h264Path], { timeoutMs: 60_000 });
    await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds), '-ac', '2', '-c:a', 'aac', '-f', 'adts', aacPath], { timeoutMs: 30_000 });
    return await HubSource.load({ h264Path, aacPath }, fps);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
