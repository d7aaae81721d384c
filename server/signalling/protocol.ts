/**
 * Web Call Server's WebSocket signalling, as the official @flashphoner/websdk speaks it:
 * every frame is `{"message": <name>, "data": [ ... ]}` in both directions.
 */

/** One signalling frame. */
export interface Envelope {
  message: string;
  data: unknown[];
}

import { StreamStatusInfo } from '../hub/status-info';
import { readCustom, type CustomFields } from './custom-fields';

export { StreamStatusInfo };

/** Stream statuses sent in notifyStreamStatusEvent (the SDK's STREAM_STATUS values). */
export type StreamStatus = 'PENDING' | 'PUBLISHING' | 'UNPUBLISHED' | 'PLAYING' | 'STOPPED' | 'FAILED';

/** The info strings of played streams (WCS's STREAM_STATUS_INFO where WCS has one). */
export const PlayStatusInfo = {
  STREAM_NOT_FOUND: 'Stream not found',
  /** The viewer sent `stopStream`. */
  STOPPED_BY_USER: 'Stopped by user',
  /** Not a WCS string: the gateway was started without WebRTC playback. */
  PLAYBACK_UNAVAILABLE: 'WebRTC playback is not available on this gateway',
} as const;


/** The `publishStream` request (the fields the gateway reads). */
export interface PublishStreamRequest {
  mediaSessionId: string;
  name: string;
  sdp: string;
  hasAudio: boolean;
  hasVideo: boolean;
  /** When set, the stream is republished there as soon as it is publishing. */
  rtmpUrl?: string;
  /** Record the stream from publish to unpublish (SDK `createStream({record: true})`). */
  record?: boolean;
  /** kbit/s requested by the client, if any. */
  maxBitrate?: number;
  /** The client's `custom` fields, for the publishStream REST hook. */
  custom?: CustomFields;
  /** Set by the WHIP endpoint, never read from a client's message: the stream's source kind is `whip`. */
  ingest?: 'whip';
}

/** The `playStream` request (the fields the gateway reads). */
export interface PlayStreamRequest {
  mediaSessionId: string;
  name: string;
  /** The viewer's offer, receive-only media sections. */
  sdp: string;
}

/** Longest mediaSessionId accepted, characters (the SDKs send a 36-character UUID). */
const MAX_ID_LENGTH = 128;
/** Longest stream name accepted, characters. */
const MAX_NAME_LENGTH = 256;
/** Longest rtmpUrl accepted, characters. */
const MAX_URL_LENGTH = 2048;

/** Parses one text frame; throws with a readable message when it is not a WCS envelope. */
export function parseEnvelope(text: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('frame is not a JSON object');
  const { message, data } = value as { message?: unknown; data?: unknown };
  if (typeof message !== 'string') throw new Error('frame has no "message" string');
  return { message, data: Array.isArray(data) ? data : data === undefined || data === null ? [] : [data] };
}

/** Serialises a frame. */
export function envelope(message: string, ...data: unknown[]): string {
  return JSON.stringify({ message, data });
}

/** Reads `publishStream`'s data[0]; returns an error string when a required field is missing. */
export function readPublishStream(data: unknown[]): PublishStreamRequest | string {
  const r = readDescriptor('publishStream', data);
  if (typeof r === 'string') return r;
  const request: PublishStreamRequest = {
    mediaSessionId: r.mediaSessionId,
    name: r.name,
    sdp: r.sdp,
    hasAudio: r.hasAudio !== false,
    hasVideo: r.hasVideo !== false,
  };
  if (typeof r.rtmpUrl === 'string' && r.rtmpUrl !== '') {
    if (r.rtmpUrl.length > MAX_URL_LENGTH) return `rtmpUrl is longer than ${MAX_URL_LENGTH} characters`;
    request.rtmpUrl = r.rtmpUrl;
  }
  if (r.record === true) request.record = true;
  if (typeof r.maxBitrate === 'number' && r.maxBitrate > 0) request.maxBitrate = r.maxBitrate;
  const custom = readCustom(r.custom);
  if (custom !== undefined) request.custom = custom;
  return request;
}

/** Reads `playStream`'s data[0]; returns an error string when a required field is missing. */
export function readPlayStream(data: unknown[]): PlayStreamRequest | string {
  const r = readDescriptor('playStream', data);
  return typeof r === 'string' ? r : { mediaSessionId: r.mediaSessionId, name: r.name, sdp: r.sdp };
}

/** A stream descriptor whose id, name and offer are bounded strings, or why it is not one. */
function readDescriptor(message: string, data: unknown[]): (Record<string, unknown> & PlayStreamRequest) | string {
  const raw = data[0];
  if (typeof raw !== 'object' || raw === null) return `${message} has no stream descriptor`;
  const r = raw as Record<string, unknown>;
  if (typeof r.mediaSessionId !== 'string' || r.mediaSessionId === '') return StreamStatusInfo.MEDIASESSION_ID_NULL;
  if (r.mediaSessionId.length > MAX_ID_LENGTH) return `MediaSessionId is longer than ${MAX_ID_LENGTH} characters`;
  if (typeof r.name !== 'string' || r.name === '') return 'Stream name is empty';
  if (r.name.length > MAX_NAME_LENGTH) return `Stream name is longer than ${MAX_NAME_LENGTH} characters`;
  if (typeof r.sdp !== 'string' || !r.sdp.startsWith('v=')) return `${message} has no SDP offer`;
  return r as Record<string, unknown> & PlayStreamRequest;
}

/** Reads the mediaSessionId of `unPublishStream` / `stopStream`. */
export function readMediaSessionId(data: unknown[]): string | undefined {
  const raw = data[0];
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as Record<string, unknown>).mediaSessionId;
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
}

/** The mediaSessionId and name of a stream request, to answer it by: '' where absent, not a string, or too long. */
export function readStreamIds(data: unknown[]): { mediaSessionId: string; name: string } {
  const raw = data[0];
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const bounded = (value: unknown, max: number): string => (typeof value === 'string' && value.length <= max ? value : '');
  return { mediaSessionId: bounded(r.mediaSessionId, MAX_ID_LENGTH), name: bounded(r.name, MAX_NAME_LENGTH) };
}
