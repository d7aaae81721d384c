/**
 * JSON Schemas of `/rest-api/stream/*` bodies and answers (Web Call Server's stream API: find,
 * find_all, terminate). They validate requests (ajv) and are the source of the OpenAPI document.
 */

/** The filters of find and terminate: every field given must match. */
const streamFilterProperties = {
  name: { type: 'string', maxLength: 256, description: 'Stream name, exactly.' },
  mediaSessionId: { type: 'string', maxLength: 128, description: "The publisher's media session id, exactly." },
  mediaSessionIds: {
    type: 'array',
    maxItems: 1000,
    items: { type: 'string', maxLength: 128 },
    description: "The publisher's media session id is one of these (an empty list matches none).",
  },
  published: { type: 'boolean', description: 'true: published streams (all the gateway lists); false matches none.' },
  status: { type: 'string', maxLength: 64, description: 'Stream status, e.g. PUBLISHING (the only one a listed stream has).' },
} as const;

/** What find and find_all show beside WCS's fields. */
const displayProperty = {
  type: 'array',
  maxItems: 16,
  items: { type: 'string', maxLength: 64 },
  description: '"metrics" adds each stream\'s `metrics` (source kind, codecs, size, bitrate, bytes and frames received, uptime, readers); other values are ignored.',
} as const;

/** POST /stream/find: every filter given must match. */
export const streamFindRequestSchema = {
  type: 'object',
  properties: { ...streamFilterProperties, display: displayProperty },
} as const;

/** GET or POST /stream/find_all: a body is optional; only `display` is read. */
export const streamFindAllRequestSchema = {
  type: 'object',
  properties: { display: displayProperty },
} as const;

/** POST /stream/terminate: every filter given must match; an empty body matches (and ends) every stream. */
export const streamTerminateRequestSchema = {
  type: 'object',
  properties: streamFilterProperties,
} as const;

const counter = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;

/** The receive quality of a WebRTC publisher's video. */
export const streamQualitySchema = {
  type: 'object',
  required: ['packetsReceived', 'packetsLost', 'nacksSent', 'retransmissionsReceived', 'duplicatePackets', 'latePackets', 'framesDropped', 'keyframesRequested', 'rttMs', 'jitterMs', 'repairWindowMs'],
  properties: {
    packetsReceived: counter('Video RTP packets received from the network (retransmissions not included).'),
    packetsLost: counter('Video packets given up on: neither arrived nor repaired within the repair window.'),
    nacksSent: counter('RTCP generic NACK messages sent.'),
    retransmissionsReceived: counter('Retransmissions (RTX) that repaired a missing packet.'),
    duplicatePackets: counter('Packets dropped because the same one was already waiting.'),
    latePackets: counter('Packets (retransmissions included) that came after their slot was delivered or given up.'),
    framesDropped: counter('Video frames dropped: damaged by a loss, unusable, or depending on one that was (until the next keyframe).'),
    keyframesRequested: counter('Keyframes asked for (RTCP PLI).'),
    rttMs: { type: ['number', 'null'], description: 'Smoothed round-trip time to the publisher, ms (from ICE checks and NACK → retransmission delays); null while unknown.' },
    jitterMs: { type: 'number', description: 'RFC 3550 interarrival jitter of the video, ms.' },
    repairWindowMs: { type: 'number', description: 'How long a missing packet is waited for now, ms (webrtc_repair_window).' },
  },
} as const;

/** A stream's metrics (`display: ["metrics"]`). */
export const streamMetricsSchema = {
  type: 'object',
  required: ['sourceKind', 'videoCodec', 'audioCodec', 'width', 'height', 'bitrate', 'fps', 'bytesReceived', 'videoFramesReceived', 'audioFramesReceived', 'uptimeMs', 'readers'],
  properties: {
    sourceKind: { type: 'string', enum: ['webrtc', 'whip', 'rtmp'], description: 'As the stream\'s sourceKind.' },
    videoCodec: { type: ['string', 'null'] },
    audioCodec: { type: ['string', 'null'] },
    width: { type: 'integer', description: 'Video width, 0 until known.' },
    height: { type: 'integer', description: 'Video height, 0 until known.' },
    bitrate: counter('bit/s of the media the publisher brought in over the last 5 seconds (payload after depacketization: H.264 access units, AAC or Opus frames).'),
    fps: { type: 'number', minimum: 0, description: 'Video frames per second over the last 5 seconds.' },
    bytesReceived: counter('Media bytes brought in since the stream was published (as bitrate counts them).'),
    videoFramesReceived: counter('Video frames brought in since the stream was published.'),
    audioFramesReceived: counter('Audio frames brought in since the stream was published.'),
    uptimeMs: counter('Time since the stream was published, ms.'),
    readers: counter('Pushes, recordings, players and viewers reading the stream now.'),
  },
} as const;

/** A stream as find and find_all return it. */
export const streamSchema = {
  type: 'object',
  required: ['mediaSessionId', 'name', 'published', 'status', 'mediaProvider', 'sourceKind', 'hasVideo', 'hasAudio', 'width', 'height', 'createDate'],
  properties: {
    mediaSessionId: { type: 'string', description: "The publisher's media session id (an RTMP publisher's connection id)." },
    name: { type: 'string' },
    published: { type: 'boolean', description: 'Always true: the gateway lists published streams.' },
    status: { type: 'string', enum: ['PUBLISHING'] },
    mediaProvider: { type: 'string', enum: ['WebRTC', 'Flash'], description: 'WebRTC, or Flash for an RTMP publisher (as WCS names them).' },
    sourceKind: { type: 'string', enum: ['webrtc', 'whip', 'rtmp'], description: 'Where the stream comes from: a WebRTC client of the WebSocket signalling (WCS SDK, a beam\'s page), a WHIP client, an RTMP publisher.' },
    hasVideo: { type: 'boolean' },
    hasAudio: { type: 'boolean' },
    videoCodec: { type: ['string', 'null'], description: 'Codec of the video as the hub carries it (H264), null without video.' },
    audioCodec: { type: ['string', 'null'], description: 'Codec of the published audio (opus, AAC), null without audio.' },
    width: { type: 'integer', description: 'Video width, 0 until known.' },
    height: { type: 'integer', description: 'Video height, 0 until known.' },
    createDate: { type: 'integer', description: 'Unix ms when the stream was published.' },
    readers: { type: 'integer', description: 'Pushes, players and transcoders reading the stream now.' },
    quality: { ...streamQualitySchema, description: 'WebRTC publishers only: how well the video arrives (counters since the publish started).' },
    metrics: { ...streamMetricsSchema, description: 'With display: ["metrics"] only: what the publisher brings in now.' },
  },
} as const;
