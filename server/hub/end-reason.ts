import { StreamStatusInfo } from './status-info';

/** Why something ended, for control decisions. */
export type EndCode =
  /** The publisher stopped on purpose (unpublish, deleteStream): it is not coming back. */
  | 'publisher-stop'
  /** The publisher's connection or session went away: it may come back (page reload, network drop). */
  | 'disconnect'
  /** Media failed (ICE, DTLS, no RTP, a transcoder). */
  | 'failure'
  /** An operator ended it over the API. */
  | 'terminated'
  /** The gateway is shutting down. */
  | 'shutdown';

/**
 * Why a stream, a reader or a push ended: a code that decisions use, and WCS's words for the
 * clients and the logs (`info` is never compared by code).
 */
export interface EndReason {
  readonly code: EndCode;
  /** A WCS STREAM_STATUS_INFO string or a sentence. */
  readonly info: string;
}

/** True when the end was asked for (no grace period, no retry). */
export function isDeliberate(reason: EndReason): boolean {
  return reason.code === 'publisher-stop' || reason.code === 'terminated' || reason.code === 'shutdown';
}

/** The usual reasons, with WCS's words. */
export const EndReasons = {
  publisherStop: { code: 'publisher-stop', info: StreamStatusInfo.STOPPED_BY_PUBLISHER_STOP },
  sessionDisconnect: { code: 'disconnect', info: StreamStatusInfo.STOPPED_BY_SESSION_DISCONNECT },
  restTerminate: { code: 'terminated', info: StreamStatusInfo.STOPPED_BY_REST_TERMINATE },
  shutdown: { code: 'shutdown', info: StreamStatusInfo.STOPPED_BY_SERVER_SHUTDOWN },
  /** A media failure, with WCS's words for it (FAILED_BY_*). */
  failure: (info: string): EndReason => ({ code: 'failure', info }),
} as const satisfies Record<string, EndReason | ((info: string) => EndReason)>;
