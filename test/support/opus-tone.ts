import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { oggPackets, readOggPages } from '../../server/media/containers/ogg-reader';
import { runOrThrow } from './processes';

const FFMPEG_TIMEOUT_MS = 20_000;

/** Writes `seconds` of a 440 Hz stereo tone as Ogg Opus in 20 ms packets (libopus, as browsers encode) to `file`. */
export async function writeOpusTone(file: string, seconds: number): Promise<void> {
  await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds), '-ac', '2', '-c:a', 'libopus', '-frame_duration', '20', file], { timeoutMs: FFMPEG_TIMEOUT_MS });
}

/** The Opus packets of an Ogg Opus file, without its OpusHead and OpusTags. */
export async function readOpusPackets(file: string): Promise<Buffer[]> {
  return oggPackets(readOggPages(await readFile(file))).slice(2).map((p) => p.data);
}

/** `seconds` of a 440 Hz stereo tone as 20 ms Opus packets. */
export async function opusTonePackets(seconds: number): Promise<Buffer[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'opus-'));
  try {
    const file = path.join(dir, 'tone.ogg');
    await writeOpusTone(file, seconds);
    return await readOpusPackets(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
