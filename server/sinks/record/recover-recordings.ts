import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log';
import { defragmentFile } from '../../media/containers/mp4/mp4-defragmenter';
import { MediaFormatError } from '../../media/media-format-error';
import { RECORDING_SUFFIX, freeName } from './recording-file';

/** Subdirectories searched at most (templates nest up to 6). */
const MAX_DEPTH = 8;

/**
 * Finishes the recordings a crash or a `kill -9` left half-written under record_dir: each
 * `*.recording.mp4` (fragmented, playable up to its last fragment) becomes a regular MP4 under the
 * same name without `.recording`; one holding no frame is removed. Returns how many were finished.
 * Only files last written before `before` (Unix ms, the gateway's start) are touched: the ones
 * this gateway writes have the same suffix.
 */
export async function recoverRecordings(recordDir: string, before: number, logger: Logger): Promise<number> {
  let recovered = 0;
  for (const openPath of await leftovers(recordDir, 0)) {
    if ((await stat(openPath)).mtimeMs >= before) continue;
    const base = openPath.slice(0, -RECORDING_SUFFIX.length);
    const dir = path.dirname(base);
    const finalPath = path.join(dir, await freeName(dir, path.basename(base)));
    const fileName = path.relative(recordDir, finalPath);
    try {
      const { durationMs, bytes } = await defragmentFile(openPath, `${finalPath}.tmp`);
      await rename(`${finalPath}.tmp`, finalPath);
      await rm(openPath, { force: true });
      logger.info({ fileName, durationMs, bytes }, 'interrupted recording finished');
      recovered++;
    } catch (err) {
      await rm(`${finalPath}.tmp`, { force: true });
      if (err instanceof MediaFormatError && err.code === 'MP4_NO_SAMPLES') {
        await rm(openPath, { force: true });
        logger.info({ fileName }, 'interrupted recording held no frame: removed');
      } else {
        logger.warn({ fileName, err: (err as Error).message }, 'interrupted recording could not be finished: kept as it was written');
      }
    }
  }
  return recovered;
}

async function leftovers(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && depth < MAX_DEPTH) found.push(...(await leftovers(full, depth + 1)));
    else if (entry.isFile() && entry.name.endsWith(RECORDING_SUFFIX)) found.push(full);
  }
  return found;
}
