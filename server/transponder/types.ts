/** Lifecycle states of a transponder (push). */
export type TransponderState = 'pending' | 'connecting' | 'publishing' | 'reconnecting' | 'stopped' | 'failed';

/** Options given at startup (WCS's `options`), echoed back as given. */
export interface StartupOptions {
  action?: 'mute' | 'sound_on';
  soundFile?: string;
  loop?: boolean;
  [key: string]: unknown;
}

/** A `/push/startup` request. */
export interface StartupRequest {
  /** Source stream name. */
  streamName: string;
  rtmpUrl: string;
  rtmpTransponderFullUrl?: boolean;
  rtmpFlashVersion?: string;
  options?: StartupOptions;
  /** Accept the push before the source is published. */
  reserve?: boolean;
}

/** A `/push/find` filter. */
export interface FindFilter {
  streamName?: string;
  rtmpUrl?: string;
}

/**
 * A transponder as the API shows it: WCS's fields first, then what WCS lacks
 * (state, errors, counters), so existing WCS clients keep working.
 */
export interface TransponderView {
  mediaSessionId: string;
  /** Name of the stream on the target. */
  streamName: string;
  rtmpUrl: string;
  width: number;
  height: number;
  muted: boolean;
  soundEnabled: boolean;
  options: StartupOptions;
  sourceStreamName: string;
  state: TransponderState;
  lastError: string | null;
  retries: number;
  sentBytes: number;
  /** Bytes waiting in the send buffer to the target now (grows when the target is slower than the stream). */
  queuedBytes: number;
  /** Frames dropped because the target was too slow, all sessions together. */
  droppedFrames: number;
  /** Timestamp of the last frame sent on the output timeline, ms. */
  sentTime: number;
  /** Unix ms. */
  createdTime: number;
  /** Unix ms of the first successful publish, null before. */
  startTime: number | null;
}
