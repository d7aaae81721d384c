import type { RecordedFile } from './recording-ledger';

/** File names the summary lists at most; a recording of more files gives its first and last. */
const MAX_NAMED_FILES = 10;

/**
 * What one recording session finished, counted as its files finish (nothing kept per file beyond
 * the names the summary lists): the fields of its 'recording ended' line.
 */
export class RecordingTally {
  #files = 0;
  #bytes = 0;
  #durationMs = 0;
  readonly #names: string[] = [];
  #lastName: string | undefined;

  add(file: RecordedFile): void {
    this.#files++;
    this.#bytes += file.bytes;
    this.#durationMs += file.durationMs;
    if (this.#names.length < MAX_NAMED_FILES) this.#names.push(file.fileName);
    this.#lastName = file.fileName;
  }

  /** Files, their names, media time and bytes together, the average rate, and the error that ended the session if any. */
  summary(error: Error | undefined): Record<string, unknown> {
    const durationMs = this.#durationMs;
    return {
      files: this.#files,
      fileNames: this.#files <= MAX_NAMED_FILES ? [...this.#names] : [this.#names[0], '...', this.#lastName],
      durationMs,
      bytes: this.#bytes,
      averageKbps: durationMs > 0 ? Math.round((this.#bytes * 8) / durationMs) : 0,
      ...(error ? { lastError: error.message } : {}),
    };
  }
}
