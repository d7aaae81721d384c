import path from 'node:path';
import type { ResolvedTarget, SinkContext, SinkTarget } from '../sink-kinds';
import { RecordSink } from './record-sink';
import { RecordingLedger } from './recording-ledger';
import { formatRotation, type RecordingSpec } from './recording-spec';

/** What every recording shares (settings record_*). */
export interface RecorderSettings {
  /** record_dir. */
  readonly recordDir: string;
  /** record_min_free_mb, bytes. */
  readonly minFreeBytes: number;
  /** Longest fragment while recording, ms. */
  readonly maxFragmentMs: number;
}

/** A recording's target: no URL anyone gave, a directory and the recording's ledger. */
export interface RecordingTarget extends ResolvedTarget {
  readonly ledger: RecordingLedger;
}

/**
 * Makes the targets of recordings. Unlike push targets, these are not reached by URL: a file
 * written where a URL says would let an API caller write anywhere, so recordings come only from
 * the recorder API and `record: true` publishes, always under record_dir.
 */
export class Recorder {
  readonly settings: RecorderSettings;

  constructor(settings: RecorderSettings) {
    this.settings = { ...settings, recordDir: path.resolve(settings.recordDir) };
  }

  target(spec: RecordingSpec, ids: { readonly streamName: string; readonly id: string }): RecordingTarget {
    const ledger = new RecordingLedger(spec, formatRotation(spec.rotation));
    const url = `record:${ids.id}`;
    const target: SinkTarget = { url, host: '', streamName: ids.streamName, safeUrl: url, safeStreamName: ids.streamName };
    const { recordDir, minFreeBytes, maxFragmentMs } = this.settings;
    return {
      target,
      ledger,
      open: (context: SinkContext) => new RecordSink({
        recordDir,
        ledger,
        streamName: ids.streamName,
        mediaSessionId: ids.id,
        minFreeBytes,
        maxFragmentMs,
        // Not told to onFrameWritten: that latency is the pushes' (until written to their socket).
        logger: context.logger,
      }),
    };
  }
}
