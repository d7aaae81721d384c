import { statfs } from 'node:fs/promises';

/** Thrown when record_dir has less room than record_min_free_mb asks to keep. */
export class DiskSpaceError extends Error {
  readonly code = 'DISK_FULL';
}

/** Bytes an unprivileged writer may still use in `dir`'s file system. */
export async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

/** Throws DiskSpaceError when `dir` has less than `minFreeBytes` free. */
export async function checkFreeSpace(dir: string, minFreeBytes: number): Promise<void> {
  if (minFreeBytes <= 0) return;
  const free = await freeBytes(dir);
  if (free < minFreeBytes) {
    throw new DiskSpaceError(`record_dir has ${mb(free)} MB free, less than the ${mb(minFreeBytes)} MB record_min_free_mb keeps`);
  }
}

function mb(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}
