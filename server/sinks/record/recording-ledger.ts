import { TypedEmitter } from '../../events/typed-emitter';
import type { RecordingSpec } from './recording-spec';

/** One finished file of a recording. */
export interface RecordedFile {
  /** Path relative to record_dir, with extension. */
  readonly fileName: string;
  readonly bytes: number;
  readonly durationMs: number;
  /** Unix ms of the first and last frame. */
  readonly startTime: number;
  readonly endTime: number;
  /** 1 for the first file of the recording, then one more per rotation. */
  readonly index: number;
  /**
   * False when the file could not be turned into a regular MP4 (the disk filled up, say): it is
   * kept as it was written, fragmented, which players read too.
   */
  readonly finalized: boolean;
  /** How long making the regular MP4 took, ms. */
  readonly finalizeMs: number;
}

/** The file being written. */
export interface OpenFile {
  /** Path relative to record_dir of the file as it is written (fragmented MP4). */
  readonly fileName: string;
  readonly bytes: number;
  readonly durationMs: number;
  readonly startTime: number;
}

/** A recording as the API shows it, beside its push state. */
export interface RecordingStatus {
  readonly fileTemplate: string;
  readonly rotation: string | undefined;
  /** The files finished so far, oldest first (the newest MAX_LISTED). */
  readonly files: readonly RecordedFile[];
  readonly currentFile: OpenFile | undefined;
  /** Media time recorded, every file together, ms. */
  readonly durationMs: number;
}

/** The file a recording is writing, else the last one it finished: the one its views name. */
export function latestFileName(status: RecordingStatus | undefined): string | null {
  return status?.currentFile?.fileName ?? status?.files.at(-1)?.fileName ?? null;
}

/** A finished file with the recording it belongs to, as webhooks tell it. */
export interface RecordedFileEvent extends RecordedFile {
  readonly streamName: string;
  /** The recording's id (the recorded stream's mediaSessionId for WCS's recorder). */
  readonly mediaSessionId: string;
}

/** Files listed per recording at most; older ones were announced and stay on disk. */
const MAX_LISTED = 100;

export type RecordingLedgerEvents = {
  file: [file: RecordedFile];
};

/**
 * The record of one recording that outlives its sink sessions: the files it finished and the one
 * it writes. Sinks write into it; the push task shows it; its 'file' event reaches the webhook.
 */
export class RecordingLedger extends TypedEmitter<RecordingLedgerEvents> {
  readonly spec: RecordingSpec;
  readonly rotationText: string | undefined;
  readonly #files: RecordedFile[] = [];
  #current: OpenFile | undefined;
  #finishedMs = 0;
  /** Files started so far (the next file's index is one more). */
  filesStarted = 0;

  constructor(spec: RecordingSpec, rotationText: string | undefined) {
    super();
    this.spec = spec;
    this.rotationText = rotationText;
  }

  /** The file being written changed (or closed: undefined). */
  setCurrent(file: OpenFile | undefined): void {
    this.#current = file;
  }

  finished(file: RecordedFile): void {
    this.#files.push(file);
    if (this.#files.length > MAX_LISTED) this.#files.shift();
    this.#finishedMs += file.durationMs;
    this.emit('file', file);
  }

  status(): RecordingStatus {
    return {
      fileTemplate: this.spec.fileTemplate,
      rotation: this.rotationText,
      files: [...this.#files],
      currentFile: this.#current,
      durationMs: this.#finishedMs + (this.#current?.durationMs ?? 0),
    };
  }
}
