import type { PushStatus } from '../push/types';
import type { RecordLinks } from '../records/record-links';
import { latestFileName, type RecordedFile } from '../sinks/record/recording-ledger';

/** A recording's state as the recorder API names it. */
export type RecordingState = 'pending' | 'recording' | 'stopped' | 'failed';

/** A finished file as the API and the webhook show it. */
export interface RecordedFileView {
  fileName: string;
  size: number;
  /** ms. */
  duration: number;
  /** Unix ms. */
  startTime: number;
  endTime: number;
  /** Signed download link, valid for record_url_expiry. */
  url: string;
  /** False: kept fragmented (it could not be made a regular MP4). */
  finalized: boolean;
}

/** One recording in `/recorder/find_all` (WCS's `{fileName, mediaSessionId}` and more). */
export interface RecordingView {
  mediaSessionId: string;
  streamName: string;
  /** The file being written, else the last one finished. */
  fileName: string | null;
  state: RecordingState;
  /** Bytes written, every file together. */
  bytes: number;
  /** Media recorded, every file together, ms. */
  duration: number;
  lastError: string | null;
  createdTime: number;
  startTime: number | null;
  fileTemplate: string;
  rotation: string | null;
  /** The file being written (fragmented MP4 until it is finished), null between files. */
  currentFile: { fileName: string; bytes: number; duration: number; startTime: number } | null;
  files: RecordedFileView[];
}

export function recordingView(status: PushStatus, links: RecordLinks): RecordingView {
  const recording = status.recording;
  const files = recording?.files ?? [];
  return {
    mediaSessionId: status.id,
    streamName: status.sourceName,
    fileName: latestFileName(recording),
    state: recordingState(status),
    bytes: status.sentBytes,
    duration: recording?.durationMs ?? 0,
    lastError: status.lastError,
    createdTime: status.createdTime,
    startTime: status.startTime,
    fileTemplate: recording?.fileTemplate ?? '',
    rotation: recording?.rotation ?? null,
    currentFile: recording?.currentFile ? { fileName: recording.currentFile.fileName, bytes: recording.currentFile.bytes, duration: recording.currentFile.durationMs, startTime: recording.currentFile.startTime } : null,
    files: files.map((file) => recordedFileView(file, links)),
  };
}

export function recordedFileView(file: RecordedFile, links: RecordLinks): RecordedFileView {
  return { fileName: file.fileName, size: file.bytes, duration: file.durationMs, startTime: file.startTime, endTime: file.endTime, url: links.url(file.fileName), finalized: file.finalized };
}

function recordingState(status: PushStatus): RecordingState {
  switch (status.state) {
    case 'pending':
      return 'pending';
    case 'stopped':
    case 'failed':
      return status.state;
    default:
      return 'recording';
  }
}
