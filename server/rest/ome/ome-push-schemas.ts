/**
 * JSON Schemas of the bodies of OvenMediaEngine's push API (`/v1/vhosts/{vhost}/apps/{app}:startPush`,
 * `:stopPush`, `:pushes`), with OME's field names.
 */

const pushId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@-]+$', description: 'Unique id of the push, chosen by the caller.' } as const;

/** POST …:startPush */
export const startPushSchema = {
  type: 'object',
  required: ['id', 'stream', 'protocol', 'url'],
  properties: {
    id: pushId,
    stream: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 256, description: 'Name of the stream to push.' },
        trackIds: { type: 'array', maxItems: 16, items: { type: 'integer' }, description: 'Not supported (track ids change with every publication): use variantNames.' },
        variantNames: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 64 }, description: 'Tracks to send by name: "video" (H.264) and "audio" (AAC). Empty: both.' },
      },
    },
    protocol: { type: 'string', enum: ['rtmp', 'mpegts', 'srt', 'RTMP', 'MPEGTS', 'SRT'], description: 'rtmp (rtmp:// or rtmps:// url), mpegts (udp:// url) or srt (srt:// url).' },
    url: { type: 'string', minLength: 1, maxLength: 2048, description: 'Destination URL.' },
    streamKey: { type: 'string', maxLength: 1024, description: 'RTMP: the stream name at the destination, appended to url. SRT: the streamid, unless url has one. MPEG-TS: unused.' },
  },
} as const;

/** POST …:stopPush */
export const stopPushSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: pushId },
} as const;

/** POST …:pushes */
export const listPushesSchema = {
  type: 'object',
  properties: { id: { ...pushId, description: 'Only this push.' } },
} as const;

/** The startPush body as validated. */
export interface StartPushBody {
  id: string;
  stream: { name: string; trackIds?: number[]; variantNames?: string[] };
  protocol: string;
  url: string;
  streamKey?: string;
}
