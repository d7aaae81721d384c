import { readdir } from 'node:fs/promises';
import { isPlainFileName } from '../audio/sound-clip';

/**
 * The sound files `/push/sound_on` can play: the WAV files directly in the media directory whose
 * names the sound loader takes (isPlainFileName), sorted; none when the directory is missing.
 */
export async function listSoundFiles(mediaDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(mediaDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && isPlainFileName(entry.name) && /\.wav$/i.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}
