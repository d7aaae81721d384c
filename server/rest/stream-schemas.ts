/**
 * JSON Schemas of `/rest-api/stream/*` bodies and answers (Web Call Server's stream API, read
 * side). They validate requests (ajv) and are the source of the OpenAPI document.
 */

/** POST /stream/find: every field given must match; others (WCS's `display`) are ignored. */
export const streamFindRequestSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 256, description: 'Stream name, exactly.' },
    mediaSessionId: { type: 'string', maxLength: 128, description: "The publisher's media session id, exactly." },
    published: { type: 'boolean', description: 'true: published streams (all the gateway lists); false matches none.' },
    status: { type: 'string', maxLength: 64, description: 'Stream status, e.g. PUBLISHING (the only one a listed stream has).' },
  },
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

/** A stream as find and find_all return it. */
export const streamSchema = {
  type: 'object',
  required: ['mediaSessionId', 'name', 'published', 'status', 'mediaProvider', 'hasVideo', 'hasAudio', 'width', 'height', 'createDate'],
  properties: {
    mediaSessionId: { type: 'string', description: "The publisher's media session id (an RTMP publisher's connection id)." },
    name: { type: 'string' },
    published: { type: 'boolean', description: 'Always true: the gateway lists published streams.' },
    status: { type: 'string', enum: ['PUBLISHING'] },
    mediaProvider: { type: 'string', enum: ['WebRTC', 'Flash'], description: 'WebRTC, or Flash for an RTMP publisher (as WCS names them).' },
    hasVideo: { type: 'boolean' },
    hasAudio: { type: 'boolean' },
    videoCodec: { type: ['string', 'null'], description: 'Codec of the video as the hub carries it (H264), null without video.' },
    audioCodec: { type: ['string', 'null'], description: 'Codec of the published audio (opus, AAC), null without audio.' },
    width: { type: 'integer', description: 'Video width, 0 until known.' },
    height: { type: 'integer', description: 'Video height, 0 until known.' },
    createDate: { type: 'integer', description: 'Unix ms when the stream was published.' },
    readers: { type: 'integer', description: 'Pushes, players and transcoders reading the stream now.' },
    quality: { ...streamQualitySchema, description: 'WebRTC publishers only: how well the video arrives (counters since the publish started).' },
  },
} as const;
