/** Lifecycle states of a push (WCS's transponder). */
export type PushState = 'pending' | 'connecting' | 'publishing' | 'reconnecting' | 'stopped' | 'failed';

/** Options given at startup (WCS's `options`), echoed back as given. */
export interface StartupOptions {
  action?: 'mute' | 'sound_on';
  soundFile?: string;
  loop?: boolean;
  [key: string]: unknown;
}

/** A request to push a stream somewhere. */
export interface PushRequest {
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
}

/** Which pushes `find` returns. */
export interface PushFilter {
  /** Matches the source stream name or the name at the target. */
  streamName?: string;
  url?: string;
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
  retries: number;
  sentBytes: number;
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
}
