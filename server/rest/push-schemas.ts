/**
 * JSON Schemas of the `/rest-api/push/*` bodies and answers. They validate requests (ajv) and
 * are the source of the OpenAPI document, so the two cannot disagree.
 */

const mediaSessionId = { type: 'string', minLength: 1, maxLength: 128, description: 'Id of the transponder (from startup or find).' } as const;

const startupOptions = {
  type: 'object',
  description: 'Options applied at startup and echoed back: flat, scalar values only (at most rest_max_option_bytes as JSON).',
  maxProperties: 32,
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'], maxLength: 1024 },
  properties: {
    action: { type: 'string', enum: ['mute', 'sound_on'], description: '"mute" starts muted; "sound_on" starts with soundFile mixed in.' },
    soundFile: { type: 'string', minLength: 1, maxLength: 255, description: 'With action "sound_on": a WAV file name in the media directory.' },
    loop: { type: 'boolean', description: 'With action "sound_on": repeat the file until sound_off. Default false.' },
  },
} as const;

/** POST /push/startup */
export const startupRequestSchema = {
  type: 'object',
  required: ['streamName', 'rtmpUrl'],
  properties: {
    streamName: { type: 'string', minLength: 1, maxLength: 256, description: 'Name of the published source stream.' },
    rtmpUrl: { type: 'string', minLength: 1, maxLength: 2048, description: 'Target: rtmp:// or rtmps:// URL (credentials and query parameters allowed), or MPEG-TS to udp://host:port or srt://host:port?options.' },
    rtmpTransponderFullUrl: { type: 'boolean', description: 'The last path segment of rtmpUrl is the stream name on the target (stream keys); no prefix. Default: setting rtmp_transponder_full_url.' },
    rtmpFlashVersion: { type: 'string', minLength: 1, maxLength: 128, description: 'flashVer sent in the RTMP connect. Default: setting rtmp_flash_version.' },
    options: startupOptions,
    reserve: { type: 'boolean', description: 'Accept the push while the stream is not published yet; it starts when the stream appears. Default false.' },
  },
} as const;

/** POST /push/find */
export const findRequestSchema = {
  type: 'object',
  properties: {
    streamName: { type: 'string', maxLength: 256, description: 'Matches the source stream name or the name on the target.' },
    rtmpUrl: { type: 'string', maxLength: 2048, description: 'Matches the target URL exactly.' },
    showSecrets: { type: 'boolean', description: 'Show stream keys and passwords in full (authenticated callers only; also ?secrets=true). Default false: masked.' },
  },
} as const;

/** POST /push/terminate, /push/mute, /push/unmute, /push/sound_off */
export const mediaSessionRequestSchema = {
  type: 'object',
  required: ['mediaSessionId'],
  properties: { mediaSessionId },
} as const;

/** POST /push/sound_on */
export const soundOnRequestSchema = {
  type: 'object',
  required: ['mediaSessionId', 'soundFile'],
  properties: {
    mediaSessionId,
    soundFile: { type: 'string', minLength: 1, maxLength: 255, description: 'RIFF WAV file name in the media directory (no path).' },
    loop: { type: 'boolean', description: 'Repeat until sound_off. Default false: play once.' },
  },
} as const;

/** The Transponder object returned by startup, find and find_all. */
export const transponderSchema = {
  type: 'object',
  required: ['mediaSessionId', 'streamName', 'rtmpUrl', 'width', 'height', 'muted', 'soundEnabled', 'options'],
  properties: {
    mediaSessionId,
    streamName: { type: 'string', description: 'Name of the stream on the RTMP target.' },
    rtmpUrl: { type: 'string', description: 'The target URL as given.' },
    width: { type: 'integer', description: 'Output video width (0 until known).' },
    height: { type: 'integer', description: 'Output video height (0 until known).' },
    muted: { type: 'boolean' },
    soundEnabled: { type: 'boolean', description: 'A sound file is being mixed in.' },
    options: { type: 'object' },
    sourceStreamName: { type: 'string', description: 'Name of the published source stream.' },
    state: { type: 'string', enum: ['pending', 'connecting', 'publishing', 'reconnecting', 'stopped', 'failed'] },
    lastError: { type: ['string', 'null'], description: 'Why the last connection failed or dropped.' },
    retries: { type: 'integer', description: 'Reconnect attempts so far.' },
    sentBytes: { type: 'integer', description: 'Bytes written to the target, all sessions together.' },
    queuedBytes: { type: 'integer', description: "Bytes waiting for the target now (in the push's queue and its socket); grows when the target is slower than the stream." },
    queuedFrames: { type: 'integer', description: "Frames waiting in the push's queue now." },
    droppedFrames: { type: 'integer', description: 'Frames dropped (whole GOPs) because the target was too slow.' },
    sentTime: { type: 'integer', description: 'Timestamp of the last frame sent, ms of the output timeline.' },
    createdTime: { type: 'integer', description: 'Unix ms when the push was created.' },
    startTime: { type: ['integer', 'null'], description: 'Unix ms when it first started publishing.' },
  },
} as const;

/** The error body of every API (Spring-style, as WCS answers). */
export const errorSchema = {
  type: 'object',
  required: ['status', 'error', 'message'],
  properties: {
    timestamp: { type: 'integer' },
    status: { type: 'integer' },
    error: { type: 'string', description: 'HTTP reason phrase.' },
    code: { type: 'string', description: 'Stable machine-readable code.' },
    message: { type: 'string', description: 'What went wrong, for people.' },
    path: { type: 'string' },
  },
} as const;
