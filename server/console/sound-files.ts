import { readdir } from 'node:fs/promises';

/**
 * The sound files `/push/sound_on` can play: the WAV files directly in the media directory (no
 * hidden names, as the sound loader refuses them), sorted; none when the directory is missing.
 */
export async function listSoundFiles(mediaDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(mediaDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && !entry.name.startsWith('.') && /\.wav$/i.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}
