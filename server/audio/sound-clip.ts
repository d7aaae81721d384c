import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { GatewayError } from '../errors';
import { toStereo48kS16 } from '../media/pcm/pcm-convert';
import { decodeWavSamples } from '../media/wav/pcm-decode';
import { WavFormatError } from '../media/wav/wav-format-error';
import { parseWav } from '../media/wav/wav-reader';

/** Largest sound file accepted, bytes (~10 minutes of 48 kHz 16-bit stereo). */
const MAX_SOUND_FILE_BYTES = 128 * 1024 * 1024;

/** A sound file ready to mix: interleaved stereo signed 16-bit at 48000 Hz. */
export interface SoundClip {
  readonly fileName: string;
  readonly samples: Int16Array;
  /** Length, ms. */
  readonly durationMs: number;
}

/**
 * Loads a RIFF WAV file by name from the media directory and decodes it for mixing.
 * The name must be a plain file name: path separators, `..` and hidden names are refused, and
 * the resolved file must really lie inside the media directory (no symlink escapes).
 * Throws GatewayError: INVALID_SOUND_FILE (400) for a bad name or a file that is not a usable
 * WAV, FILE_NOT_FOUND (404) when there is no such file.
 */
export async function loadSoundClip(mediaDir: string, fileName: string): Promise<SoundClip> {
  if (!isPlainFileName(fileName)) {
    throw new GatewayError('INVALID_SOUND_FILE', `Invalid sound file name '${fileName}': give a file name in the media directory, without a path`);
  }
  const file = await readInside(mediaDir, fileName);
  try {
    const wav = parseWav(file);
    if (wav.frameCount === 0) throw new GatewayError('INVALID_SOUND_FILE', `${fileName}: the WAV file has no audio samples`);
    const samples = toStereo48kS16(decodeWavSamples(wav), wav.sampleRate);
    return { fileName, samples, durationMs: (samples.length / 2 / 48000) * 1000 };
  } catch (err) {
    if (err instanceof WavFormatError) throw new GatewayError('INVALID_SOUND_FILE', `${fileName}: ${err.message}`);
    throw err;
  }
}

/** A name loadSoundClip takes: a file name without path separators, `..` or a leading dot. */
export function isPlainFileName(fileName: string): boolean {
  return fileName !== '' && !/[/\\\0]/.test(fileName) && !fileName.includes('..') && !fileName.startsWith('.');
}

async function readInside(mediaDir: string, fileName: string): Promise<Buffer> {
  const noSuchFile = new GatewayError('FILE_NOT_FOUND', `No such file: ${fileName}`);
  let dir: string;
  let resolved: string;
  try {
    dir = await realpath(mediaDir);
    resolved = await realpath(path.join(dir, fileName));
  } catch {
    throw noSuchFile;
  }
  if (path.dirname(resolved) !== dir) throw noSuchFile;
  let handle;
  try {
    handle = await open(resolved, 'r');
  } catch {
    throw noSuchFile;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw noSuchFile;
    if (stat.size > MAX_SOUND_FILE_BYTES) {
      throw new GatewayError('INVALID_SOUND_FILE', `${fileName} is too large (${stat.size} bytes, at most ${MAX_SOUND_FILE_BYTES})`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
