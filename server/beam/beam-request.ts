/** 100ms beam's error codes and their exact messages. */
export const BEAM_ERRORS = {
  1: 'beam already started',
  2: 'internal server error',
  3: 'room_id missing',
  4: 'room_id invalid',
  5: 'rtmp_url and record missing',
  6: 'meeting_url missing',
  7: 'meeting_url invalid',
  8: 'operation invalid',
  9: 'operation missing',
  10: 'no active beam found for the passed in identifiers',
  11: 'Resolution not supported',
} as const;

export type BeamErrorCode = keyof typeof BEAM_ERRORS;

/** HTTP status of each error. */
const STATUS: Record<BeamErrorCode, number> = { 1: 409, 2: 500, 3: 400, 4: 400, 5: 400, 6: 400, 7: 400, 8: 400, 9: 400, 10: 404, 11: 400 };

/** A refused beam call: 100ms's code and message, and the HTTP status it gets. */
export class BeamError extends Error {
  readonly code: BeamErrorCode;
  readonly status: number;
  /** More about it for the log (never in the answer: the message is 100ms's, exactly). */
  readonly detail: string | undefined;

  constructor(code: BeamErrorCode, detail?: string) {
    super(BEAM_ERRORS[code]);
    this.name = 'BeamError';
    this.code = code;
    this.status = STATUS[code];
    this.detail = detail;
  }
}

/** Picture size of a beam, pixels. */
export interface Resolution {
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_RESOLUTION: Resolution = { width: 1280, height: 720 };

/** A checked start request. */
export interface BeamStart {
  readonly operation: 'start';
  readonly roomId: string;
  readonly meetingUrl: string;
  readonly rtmpUrls: readonly string[];
  readonly record: boolean;
  readonly resolution: Resolution;
}

export interface BeamStop {
  readonly operation: 'stop';
  readonly roomId: string;
}

/** At most this many RTMP outputs per beam (100ms's limit). */
export const MAX_RTMP_URLS = 3;
/** room_id: 100ms's ids are 24 hex characters; any short id of safe characters is taken. */
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_URL_LENGTH = 2048;

/** Reads a POST /api/v2/beam body; throws BeamError with 100ms's code. */
export function parseBeamRequest(body: unknown): BeamStart | BeamStop {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (b.operation === undefined || b.operation === null || b.operation === '') throw new BeamError(9);
  if (b.operation !== 'start' && b.operation !== 'stop') throw new BeamError(8);
  if (b.room_id === undefined || b.room_id === null || b.room_id === '') throw new BeamError(3);
  if (typeof b.room_id !== 'string' || !ROOM_ID.test(b.room_id)) throw new BeamError(4);
  if (b.operation === 'stop') return { operation: 'stop', roomId: b.room_id };

  if (b.meeting_url === undefined || b.meeting_url === null || b.meeting_url === '') throw new BeamError(6);
  if (typeof b.meeting_url !== 'string' || !isHttpUrl(b.meeting_url)) throw new BeamError(7);
  const rtmpUrls = b.rtmp_urls === undefined || b.rtmp_urls === null ? [] : b.rtmp_urls;
  const record = b.record === true;
  if (!Array.isArray(rtmpUrls)) throw new BeamError(5, 'rtmp_urls is not an array');
  if (rtmpUrls.length === 0 && !record) throw new BeamError(5);
  if (rtmpUrls.length > MAX_RTMP_URLS || !rtmpUrls.every(isRtmpUrl)) throw new BeamError(5, `rtmp_urls takes 1 to ${MAX_RTMP_URLS} rtmp:// or rtmps:// URLs`);
  return { operation: 'start', roomId: b.room_id, meetingUrl: b.meeting_url, rtmpUrls: rtmpUrls as string[], record, resolution: parseResolution(b.resolution) };
}

/**
 * 100ms's resolutions: width 500–1920 and height 480–1920, landscape up to 1920×1080 and portrait
 * up to 1080×1920 (width ≤ 1080 when height > 1080, height ≤ 1080 when width > 1080); default
 * 1280×720. Odd sizes are refused too: H.264 4:2:0 needs even ones.
 */
export function parseResolution(value: unknown): Resolution {
  if (value === undefined || value === null) return DEFAULT_RESOLUTION;
  if (typeof value !== 'object' || Array.isArray(value)) throw new BeamError(11);
  const { width, height } = value as { width?: unknown; height?: unknown };
  if (!Number.isInteger(width) || !Number.isInteger(height)) throw new BeamError(11);
  const w = width as number;
  const h = height as number;
  const fits = w >= 500 && w <= 1920 && h >= 480 && h <= 1920 && (h <= 1080 || w <= 1080) && (w <= 1080 || h <= 1080) && w % 2 === 0 && h % 2 === 0;
  if (!fits) throw new BeamError(11);
  return { width: w, height: h };
}

function isHttpUrl(text: string): boolean {
  if (text.length > MAX_URL_LENGTH) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isRtmpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') && url.hostname !== '';
  } catch {
    return false;
  }
}
