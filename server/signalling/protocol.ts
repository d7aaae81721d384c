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

export { StreamStatusInfo };

/** Stream statuses sent in notifyStreamStatusEvent (the SDK's STREAM_STATUS values). */
export type StreamStatus = 'PENDING' | 'PUBLISHING' | 'UNPUBLISHED' | 'FAILED';


/** The `publishStream` request (the fields the gateway reads). */
export interface PublishStreamRequest {
  mediaSessionId: string;
  name: string;
  sdp: string;
  hasAudio: boolean;
  hasVideo: boolean;
  /** When set, the stream is republished there as soon as it is publishing. */
  rtmpUrl?: string;
  /** kbit/s requested by the client, if any. */
  maxBitrate?: number;
}

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
  const raw = data[0];
  if (typeof raw !== 'object' || raw === null) return 'publishStream has no stream descriptor';
  const r = raw as Record<string, unknown>;
  if (typeof r.mediaSessionId !== 'string' || r.mediaSessionId === '') return StreamStatusInfo.MEDIASESSION_ID_NULL;
  if (typeof r.name !== 'string' || r.name === '') return 'Stream name is empty';
  if (typeof r.sdp !== 'string' || !r.sdp.startsWith('v=')) return 'publishStream has no SDP offer';
  const request: PublishStreamRequest = {
    mediaSessionId: r.mediaSessionId,
    name: r.name,
    sdp: r.sdp,
    hasAudio: r.hasAudio !== false,
    hasVideo: r.hasVideo !== false,
  };
  if (typeof r.rtmpUrl === 'string' && r.rtmpUrl !== '') request.rtmpUrl = r.rtmpUrl;
  if (typeof r.maxBitrate === 'number' && r.maxBitrate > 0) request.maxBitrate = r.maxBitrate;
  return request;
}

/** Reads the mediaSessionId of `unPublishStream` / `stopStream`. */
export function readMediaSessionId(data: unknown[]): string | undefined {
  const raw = data[0];
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as Record<string, unknown>).mediaSessionId;
  return typeof id === 'string' ? id : undefined;
}
