import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TsTransport } from '../../../../server/sinks/mpegts/ts-transport';
import { runOrThrow } from '../../../support/processes';

/** Bytes of a TS packet. */
const TS_PACKET = 188;

/** An MPEG-TS file made by ffmpeg: H.264 + AAC, for transports to carry. */
export interface TsSource {
  readonly file: string;
  readonly bytes: Buffer;
  /** Media duration, ms. */
  readonly durationMs: number;
}

/**
 * Encodes `seconds` of a noisy test pattern (640×360, 25 fps, a keyframe every second, ~2.3 Mbit/s
 * so a GOP is as heavy as a real camera's) and a 440 Hz tone as H.264 + AAC in MPEG-TS.
 */
export async function makeTsSource(dir: string, seconds: number): Promise<TsSource> {
  const file = path.join(dir, 'source.ts');
  await runOrThrow('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), '-vf', 'noise=alls=12:allf=t', '-pix_fmt', 'yuv420p',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-b:v', '2M', '-maxrate', '2M', '-bufsize', '1M',
    '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts', file,
  ], { timeoutMs: 30_000 });
  const bytes = await readFile(file);
  return { file, bytes, durationMs: seconds * 1000 };
}

/** The media time of byte `offset`, ms: its share of the duration (constant bit rate is close enough). */
export function mediaMsAt(source: TsSource, offset: number): number {
  return (offset * source.durationMs) / source.bytes.length;
}

/** Writes bytes [from, to) of the source at once, in chunks of `chunkPackets` packets with their media times. */
export function writeRange(transport: Pick<TsTransport, 'write'>, source: TsSource, from: number, to: number, chunkPackets = 50): void {
  const end = Math.min(to - ((to - from) % TS_PACKET), source.bytes.length);
  for (let at = from; at < end; at += chunkPackets * TS_PACKET) {
    const next = Math.min(at + chunkPackets * TS_PACKET, end);
    transport.write(source.bytes.subarray(at, next), mediaMsAt(source, at));
  }
}

/**
 * Writes the source as a live encoder would: every 40 ms, the bytes whose media time has come,
 * starting at byte 0 and media time 0, until the whole source is written, `signal` aborts, or
 * `stopWhen` returns true. Resolves with the bytes written.
 */
export async function feedRealTime(transport: Pick<TsTransport, 'write'>, source: TsSource, options: { signal?: AbortSignal; stopWhen?: () => boolean } = {}): Promise<number> {
  const started = performance.now();
  let written = 0;
  while (written < source.bytes.length && options.signal?.aborted !== true && options.stopWhen?.() !== true) {
    const dueMs = performance.now() - started;
    let due = Math.floor((dueMs / source.durationMs) * source.bytes.length);
    due = Math.min(source.bytes.length, due - (due % TS_PACKET));
    if (due > written) {
      writeRange(transport, source, written, due);
      written = due;
    }
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  return written;
}
