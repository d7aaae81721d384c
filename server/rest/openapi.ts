import { CONSOLE_INTERVAL_MS, CONSOLE_MAX_CLIENTS } from '../console/console-feed';
import { recorderFindSchema, recorderStartupSchema, recorderTerminateSchema, recordingSchema } from './recorder-schemas';
import { errorSchema, findRequestSchema, mediaSessionRequestSchema, soundOnRequestSchema, startupRequestSchema, transponderSchema } from './push-schemas';
import { rtmpServerApiComponents, rtmpServerApiPaths } from './rtmp-server-openapi';
import { streamFindAllRequestSchema, streamFindRequestSchema, streamSchema, streamTerminateRequestSchema } from './stream-schemas';

/** One documented operation: its body schema (if any) and what a 200 returns. */
interface Operation {
  summary: string;
  request?: object;
  response: 'transponder' | 'transponders' | 'streams' | 'recording' | 'recordings' | 'empty';
  errors: number[];
  methods?: Array<'get' | 'post'>;
  /** The body may be left out (it reads as {}). */
  optionalBody?: boolean;
}

const PUSH_OPERATIONS: Record<string, Operation> = {
  startup: { summary: 'Start republishing a published stream to an RTMP/RTMPS target.', request: startupRequestSchema, response: 'transponder', errors: [400, 404, 409] },
  find: { summary: 'Find transponders by source or target stream name and/or rtmpUrl.', request: findRequestSchema, response: 'transponders', errors: [400, 404] },
  find_all: { summary: 'List every transponder (404 when there is none). GET or POST.', response: 'transponders', errors: [404], methods: ['get', 'post'] },
  terminate: { summary: 'Stop a transponder: the RTMP session is closed cleanly.', request: mediaSessionRequestSchema, response: 'empty', errors: [400, 404] },
  mute: { summary: "Replace this transponder's microphone audio with silence (the AAC track goes on).", request: mediaSessionRequestSchema, response: 'empty', errors: [400, 404] },
  unmute: { summary: "Give this transponder its microphone audio back.", request: mediaSessionRequestSchema, response: 'empty', errors: [400, 404] },
  sound_on: { summary: 'Mix a RIFF WAV file from the media directory into this transponder (once, or looped until sound_off).', request: soundOnRequestSchema, response: 'empty', errors: [400, 404] },
  sound_off: { summary: 'Stop the sound file of this transponder.', request: mediaSessionRequestSchema, response: 'empty', errors: [400, 404] },
};

const STREAM_OPERATIONS: Record<string, Operation> = {
  find: { summary: 'Find published streams by name, mediaSessionId, mediaSessionIds, published and/or status (404 when none matches); display: ["metrics"] adds their metrics.', request: streamFindRequestSchema, response: 'streams', errors: [400, 404] },
  find_all: { summary: 'List every published stream, WebRTC publishers with their receive quality (404 when there is none); display: ["metrics"] adds their metrics. GET or POST, the body optional.', request: streamFindAllRequestSchema, optionalBody: true, response: 'streams', errors: [400, 404], methods: ['get', 'post'] },
  terminate: { summary: 'End the publishers of the streams matching every filter given (name, mediaSessionId, mediaSessionIds, published, status); an empty body ends every stream. Clients are told "Stopped by rest /terminate"; RTMP publishers are disconnected (404 when none matches).', request: streamTerminateRequestSchema, optionalBody: true, response: 'empty', errors: [400, 404] },
};

const RECORDER_OPERATIONS: Record<string, Operation> = {
  startup: { summary: 'Record a published stream to MP4 files under record_dir (rotation, templates); each finished file goes to the recording webhook with a signed link.', request: recorderStartupSchema, response: 'recording', errors: [400, 404, 409, 429] },
  terminate: { summary: 'Stop a recording: answers once its last file is finished.', request: recorderTerminateSchema, response: 'empty', errors: [400, 404] },
  find: { summary: 'Find recordings by mediaSessionId and/or stream name (404 when none matches).', request: recorderFindSchema, response: 'recordings', errors: [400, 404] },
  find_all: { summary: 'List every recording (404 when there is none). GET or POST.', response: 'recordings', errors: [404], methods: ['get', 'post'] },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body, malformed JSON, bad rtmpUrl or bad sound file',
  401: 'Missing or wrong access token',
  404: 'Unknown stream, transponder or file',
  409: 'Conflict (this stream already goes to this rtmpUrl, or is recorded under this id)',
  429: 'A limit is reached (max_pushes, record_max)',
};

/** Builds the OpenAPI 3 document served at /rest-api/openapi.json from the request schemas. */
export function buildOpenApiDocument(version: string): object {
  const paths: Record<string, object> = {};
  for (const [group, name, op] of [
    ...Object.entries(PUSH_OPERATIONS).map(([name, op]) => ['push', name, op] as const),
    ...Object.entries(STREAM_OPERATIONS).map(([name, op]) => ['stream', name, op] as const),
    ...Object.entries(RECORDER_OPERATIONS).map(([name, op]) => ['recorder', name, op] as const),
  ]) {
    const operation: Record<string, unknown> = {
      summary: op.summary,
      operationId: `${group}_${name}`,
      responses: {
        200: response(op.response),
        ...Object.fromEntries(op.errors.map((status) => [status, { description: ERROR_DESCRIPTIONS[status], content: json({ $ref: '#/components/schemas/Error' }) }])),
      },
    };
    if (op.request) operation.requestBody = { required: op.optionalBody !== true, content: json(op.request) };
    paths[`/rest-api/${group}/${name}`] = Object.fromEntries((op.methods ?? ['post']).map((m) => [m, operation]));
  }
  return {
    openapi: '3.1.0',
    info: { title: 'WebRTC to RTMP gateway REST API', version, description: 'Web Call Server compatible /rest-api/push API with push states and counters, /rest-api/stream find, find_all (receive quality, metrics) and terminate, and Callaba-style /api/rtmp-servers.' },
    paths: { ...paths, ...consolePaths(), ...rtmpServerApiPaths() },
    components: {
      schemas: { Transponder: transponderSchema, Stream: streamSchema, Recording: recordingSchema, Error: errorSchema, ...rtmpServerApiComponents.schemas },
      securitySchemes: rtmpServerApiComponents.securitySchemes,
    },
  };
}

/** The console's endpoints (server/console): its live feed and the sound files it offers. */
function consolePaths(): Record<string, object> {
  const files = { type: 'object', required: ['files'], properties: { files: { type: 'array', items: { type: 'string' } } } };
  return {
    '/rest-api/console/events': {
      get: {
        summary: `Server-sent events: every ${CONSOLE_INTERVAL_MS} ms an "event: snapshot" whose data is the JSON state of streams, pushes, recordings, page captures and RTMP servers, stream keys masked. At most ${CONSOLE_MAX_CLIENTS} at once.`,
        operationId: 'console_events',
        responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 429: { description: 'Too many console connections' } },
      },
    },
    '/rest-api/console/sounds': {
      get: { summary: 'The sound files of media_dir that /rest-api/push/sound_on accepts.', operationId: 'console_sounds', responses: { 200: { description: 'Their names', content: json(files) } } },
    },
  };
}

function response(kind: Operation['response']): object {
  if (kind === 'empty') return { description: 'Done (empty body)' };
  if (kind === 'recording') return { description: 'The recording', content: json({ $ref: '#/components/schemas/Recording' }) };
  if (kind === 'recordings') return { description: 'Matching recordings', content: json({ type: 'array', items: { $ref: '#/components/schemas/Recording' } }) };
  if (kind === 'streams') return { description: 'Matching streams', content: json({ type: 'array', items: { $ref: '#/components/schemas/Stream' } }) };
  const schema = kind === 'transponder' ? { $ref: '#/components/schemas/Transponder' } : { type: 'array', items: { $ref: '#/components/schemas/Transponder' } };
  return { description: kind === 'transponder' ? 'The transponder' : 'Matching transponders', content: json(schema) };
}

function json(schema: object): object {
  return { 'application/json': { schema } };
}
