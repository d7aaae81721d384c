import type { RecordingStatus } from '../sinks/record/recording-ledger';
import type { RecordingSpec } from '../sinks/record/recording-spec';

/** Lifecycle states of a push (WCS's transponder). */
export type PushState = 'pending' | 'connecting' | 'publishing' | 'reconnecting' | 'stopped' | 'failed';

/** Options given at startup (WCS's `options`), echoed back as given. */
export interface StartupOptions {
  action?: 'mute' | 'sound_on';
  soundFile?: string;
  loop?: boolean;
  [key: string]: unknown;
}

/** Which tracks of the source a push sends (both by default; a push needs at least one). */
export interface TrackSelection {
  readonly video: boolean;
  readonly audio: boolean;
}

/** A request to push a stream somewhere. */
export interface PushRequest {
  /** The push's id (OME's `id`, chosen by the caller); default: a new mediaSessionId. Ids are unique gateway-wide. */
  id?: string;
  /** Source stream name. */
  sourceName: string;
  /** Target URL; its scheme picks the kind of sink (WCS's `rtmpUrl`). */
  url: string;
  /** RTMP: the URL's last path segment is the stream name (WCS's rtmpTransponderFullUrl). */
  fullUrl?: boolean;
  /** RTMP: flashVer sent in connect (WCS's rtmpFlashVersion). */
  flashVersion?: string;
  options?: StartupOptions;
  /** Accept the push before the source is published. */
  reserve?: boolean;
  /** Keep the push across restarts (pushes made over the REST API); it comes back as a reserved push. */
  persist?: boolean;
  /** Tracks to send; default both. */
  tracks?: TrackSelection;
  /** The API namespace the push was made in (OME's `vhost/app`), shown back and used to list; default none. */
  scope?: string;
  /** Record the stream to files under record_dir instead (the recorder API, `record: true`); `url` is then ignored. */
  recording?: RecordingSpec;
}

/** Which pushes `find` returns. */
export interface PushFilter {
  /** Only pushes made in this namespace (see PushRequest.scope). */
  scope?: string;
  /** Matches the source stream name or the name at the target. */
  streamName?: string;
  url?: string;
  /** True: recordings only; otherwise pushes only. */
  recordings?: boolean;
}

/** A push as of now: what the API shows (in WCS's shape, see rest/transponder-view.ts), webhooks and metrics. */
export interface PushStatus {
  /** WCS's mediaSessionId. */
  id: string;
  sourceName: string;
  url: string;
  /** The URL without secrets: no password, query values masked, a stream key shortened. */
  safeUrl: string;
  /** Name of the stream at the target. */
  targetStreamName: string;
  /** The same, a stream key shortened. */
  safeTargetStreamName: string;
  width: number;
  height: number;
  muted: boolean;
  soundEnabled: boolean;
  options: StartupOptions;
  state: PushState;
  lastError: string | null;
  /** Reconnect attempts so far (OME's sequence). */
  retries: number;
  /** Bytes written to targets, all sessions together. */
  sentBytes: number;
  /** Of those, bytes written by the current session (0 between sessions). */
  sessionSentBytes: number;
  /** How long the current session has been publishing, ms (0 between sessions). */
  sessionDurationMs: number;
  /** How long the push has been publishing, all sessions together, ms. */
  totalDurationMs: number;
  /** Bytes waiting for the target now: in the push's queue and in its socket. */
  queuedBytes: number;
  /** Frames waiting in the push's queue now. */
  queuedFrames: number;
  /** Frames dropped because the target was too slow, all sessions together. */
  droppedFrames: number;
  /** Latest time sent on the output timeline, ms. */
  sentTime: number;
  /** Unix ms. */
  createdTime: number;
  /** Unix ms of the first successful publish, null before. */
  startTime: number | null;
  /** Unix ms the last session ended, null while none has. */
  finishTime: number | null;
  /** The tracks the push was asked to send. */
  tracks: TrackSelection;
  /** Ids of the source's tracks being sent now (empty while no source is read). */
  trackIds: number[];
  /** See PushRequest.scope. */
  scope: string | undefined;
  /** A recording's files; undefined for a push. */
  recording: RecordingStatus | undefined;
}
