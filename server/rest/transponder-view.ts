import type { PushFilter, PushRequest, PushStatus, StartupOptions } from '../push/types';

/** A `/push/startup` body, as Web Call Server defines it. */
export interface StartupBody {
  /** Source stream name. */
  streamName: string;
  rtmpUrl: string;
  rtmpTransponderFullUrl?: boolean;
  rtmpFlashVersion?: string;
  options?: StartupOptions;
  /** Accept the push before the source is published (not in WCS). */
  reserve?: boolean;
}

/** A `/push/find` body. */
export interface FindBody {
  streamName?: string;
  rtmpUrl?: string;
  /** Show stream keys and passwords in full (an authenticated caller only). */
  showSecrets?: boolean;
}

/** What the caller may see of a push. */
export interface ViewRights {
  /** Stream keys and passwords in full; otherwise masked. */
  readonly secrets: boolean;
  /** Why a connection failed, in full; otherwise only that it did (an unauthenticated caller must not learn which ports are open). */
  readonly errors: boolean;
}

/**
 * A push as the API (and the webhook) shows it: WCS's transponder fields first, then what WCS lacks
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
  state: PushStatus['state'];
  lastError: string | null;
  retries: number;
  sentBytes: number;
  queuedBytes: number;
  queuedFrames: number;
  droppedFrames: number;
  sentTime: number;
  createdTime: number;
  startTime: number | null;
}

/** The startup body in the gateway's terms. */
export function pushRequestOf(body: StartupBody): PushRequest {
  return {
    sourceName: body.streamName,
    url: body.rtmpUrl,
    ...(body.rtmpTransponderFullUrl === undefined ? {} : { fullUrl: body.rtmpTransponderFullUrl }),
    ...(body.rtmpFlashVersion === undefined ? {} : { flashVersion: body.rtmpFlashVersion }),
    ...(body.options === undefined ? {} : { options: body.options }),
    ...(body.reserve === undefined ? {} : { reserve: body.reserve }),
    // Pushes asked for over the API are kept across restarts.
    persist: true,
  };
}

/** The find body in the gateway's terms. */
export function pushFilterOf(body: FindBody): PushFilter {
  return { ...(body.streamName ? { streamName: body.streamName } : {}), ...(body.rtmpUrl ? { url: body.rtmpUrl } : {}) };
}

/** A push in WCS's shape, its secrets masked unless `rights` allow them. */
export function transponderView(push: PushStatus, rights: ViewRights): TransponderView {
  return {
    mediaSessionId: push.id,
    streamName: rights.secrets ? push.targetStreamName : push.safeTargetStreamName,
    rtmpUrl: rights.secrets ? push.url : push.safeUrl,
    width: push.width,
    height: push.height,
    muted: push.muted,
    soundEnabled: push.soundEnabled,
    options: push.options,
    sourceStreamName: push.sourceName,
    state: push.state,
    lastError: push.lastError === null || rights.errors ? push.lastError : 'the push could not reach its target or lost it',
    retries: push.retries,
    sentBytes: push.sentBytes,
    queuedBytes: push.queuedBytes,
    queuedFrames: push.queuedFrames,
    droppedFrames: push.droppedFrames,
    sentTime: push.sentTime,
    createdTime: push.createdTime,
    startTime: push.startTime,
  };
}
