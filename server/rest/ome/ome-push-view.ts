import type { PushState, PushStatus } from '../../push/types';
import { VARIANT_NAMES } from './ome-push-request';

/** A push as OvenMediaEngine's API shows it. */
export interface OmePushView {
  id: string;
  state: OmeState;
  vhost: string;
  app: string;
  stream: { name: string; trackIds: number[]; variantNames: string[] };
  protocol: 'rtmp' | 'mpegts' | 'srt';
  url: string;
  streamKey: string;
  /** Bytes sent by the current session. */
  sentBytes: number;
  /** How long the current session has been sending, ms. */
  sentTime: number;
  /** Reconnects so far. */
  sequence: number;
  totalsentBytes: number;
  totalsentTime: number;
  createdTime: string;
  startTime: string;
  finishTime: string;
  /** Why the last session failed (not in OME: the gateway's addition), null when none did. */
  lastError: string | null;
}

/** OME's push states. */
export type OmeState = 'ready' | 'started' | 'stopping' | 'stopped' | 'error';

/** Our states in OME's words: waiting or connecting is ready, a lost session waiting for its retry is an error. */
const OME_STATES: Record<PushState, OmeState> = {
  pending: 'ready',
  connecting: 'ready',
  publishing: 'started',
  reconnecting: 'error',
  stopped: 'stopped',
  failed: 'error',
};

/**
 * The push in OME's shape. `vhost/app` come from its scope. The URL and the stream key are shown as
 * given to callers who may see secrets, masked otherwise (the API open to everyone).
 */
export function omePushView(push: PushStatus, secrets: boolean, state: OmeState = OME_STATES[push.state]): OmePushView {
  const [vhost = '', app = ''] = (push.scope ?? '').split('/');
  const protocol = protocolOf(push.url);
  // RTMP pushes carry the key as the URL's last segment (OME's url + streamKey).
  const rtmpKey = protocol === 'rtmp' ? push.targetStreamName : '';
  const url = secrets ? push.url : push.safeUrl;
  return {
    id: push.id,
    state,
    vhost,
    app,
    stream: {
      name: push.sourceName,
      trackIds: push.trackIds,
      variantNames: VARIANT_NAMES.filter((name) => push.tracks[name]),
    },
    protocol,
    url: protocol === 'rtmp' ? url.slice(0, Math.max(url.lastIndexOf('/'), 0)) : url,
    streamKey: secrets ? rtmpKey : protocol === 'rtmp' ? push.safeTargetStreamName : '',
    sentBytes: push.sessionSentBytes,
    sentTime: Math.round(push.sessionDurationMs),
    sequence: push.retries,
    totalsentBytes: push.sentBytes,
    totalsentTime: Math.round(push.totalDurationMs),
    createdTime: isoWithOffset(push.createdTime),
    startTime: isoWithOffset(push.startTime ?? 0),
    finishTime: isoWithOffset(push.finishTime ?? 0),
    lastError: push.lastError,
  };
}

function protocolOf(url: string): OmePushView['protocol'] {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  return scheme === 'srt' ? 'srt' : scheme === 'udp' ? 'mpegts' : 'rtmp';
}

/** Local time as OME writes it: `2021-02-04T01:42:40.160+0900` (a time never set is the epoch, as OME shows it). */
export function isoWithOffset(unixMs: number): string {
  const date = new Date(unixMs);
  const offsetMin = -date.getTimezoneOffset();
  const pad = (n: number, width = 2): string => String(Math.trunc(Math.abs(n))).padStart(width, '0');
  const sign = offsetMin >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${sign}${pad(offsetMin / 60)}${pad(offsetMin % 60)}`;
}
