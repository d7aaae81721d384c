import type { PathDirectory } from '../paths/path-directory';
import type { PushStatus } from '../push/types';
import { recordedFileView, type RecordedFileView } from '../rest/recording-view';
import type { RecordLinks } from '../records/record-links';
import { latestFileName } from '../sinks/record/recording-ledger';
import type { BeamSession } from './beam-session';

/** A beam as GET /api/v2/beam and the beam webhook show it. */
export interface BeamView {
  room_id: string;
  meeting_url: string;
  stream_name: string;
  state: string;
  /** Why the last launch failed (the beam's error once it has failed). */
  error: string | null;
  attempts: number;
  resolution: { width: number; height: number };
  started_at: string;
  rtmp: Array<{ url: string; state: string; last_error: string | null }>;
  recording: { state: string; file_name: string | null; files: RecordedFileView[]; last_error: string | null } | null;
}

/** Views of `beams`, with the state of their pushes and recordings read from the directory. */
export async function beamViews(beams: readonly BeamSession[], directory: PathDirectory, links: RecordLinks): Promise<BeamView[]> {
  if (beams.length === 0) return [];
  const pushes = new Map((await directory.findPushes({})).map((p) => [p.id, p]));
  const recordings = new Map((await directory.findPushes({ recordings: true })).map((p) => [p.id, p]));
  return beams.map((beam) => beamView(beam, pushes, recordings, links));
}

function beamView(beam: BeamSession, pushes: ReadonlyMap<string, PushStatus>, recordings: ReadonlyMap<string, PushStatus>, links: RecordLinks): BeamView {
  const recording = beam.recordingId === undefined ? undefined : recordings.get(beam.recordingId);
  return {
    room_id: beam.request.roomId,
    meeting_url: beam.request.meetingUrl,
    stream_name: beam.streamName,
    state: beam.state,
    error: beam.error,
    attempts: beam.attempts,
    resolution: { ...beam.request.resolution },
    started_at: new Date(beam.startedAt).toISOString(),
    rtmp: beam.request.rtmpUrls.map((url, i) => {
      const push = pushes.get(beam.pushIds[i] ?? '');
      return { url: push?.safeUrl ?? url, state: push?.state ?? 'stopped', last_error: push?.lastError ?? null };
    }),
    recording: beam.request.record
      ? {
          state: recording?.state ?? 'stopped',
          // Once the recording has ended (it is no longer in the directory), the files the beam kept.
          file_name: latestFileName(recording?.recording) ?? beam.recordedFiles.at(-1)?.fileName ?? null,
          files: (recording?.recording?.files ?? beam.recordedFiles).map((file) => recordedFileView(file, links)),
          last_error: recording?.lastError ?? null,
        }
      : null,
  };
}
