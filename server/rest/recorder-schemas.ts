/**
 * JSON Schemas of the `/rest-api/recorder/*` bodies (Web Call Server's recorder API): they
 * validate requests (ajv).
 */

const mediaSessionId = { type: 'string', minLength: 1, maxLength: 128, description: 'mediaSessionId of the recorded stream (its publisher’s), which is also the recording’s id.' } as const;

/** POST /recorder/startup */
export const recorderStartupSchema = {
  type: 'object',
  anyOf: [{ required: ['mediaSessionId'] }, { required: ['streamName'] }],
  properties: {
    mediaSessionId,
    streamName: { type: 'string', minLength: 1, maxLength: 256, description: 'Name of the stream to record, instead of its mediaSessionId (not in WCS).' },
    id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$', description: 'Id of the recording, to record one stream several times at once (not in WCS). Default: the stream’s mediaSessionId.' },
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fileTemplate: { type: 'string', minLength: 1, maxLength: 512, description: 'File name without .mp4: {streamName}, {mediaSessionId}, {startTime}, {endTime}, {index}, {roomId}, {epoch}, {date}, {time}; / makes subdirectories. Default: setting record_file_template.' },
        rotation: { type: 'string', minLength: 1, maxLength: 32, description: 'A new file past this size (20M, also K and G) or duration (10m, also s and h), at the next keyframe; "disabled" for none. Default: setting record_rotation.' },
        layout: { type: 'string', enum: ['beam'], description: '"beam": 100ms’s layout beam/<roomId>/<YYYYMMDD>/Rec-<roomId>-<epoch>.mp4 (instead of fileTemplate).' },
        roomId: { type: 'string', minLength: 1, maxLength: 128, description: '{roomId} of the template. Default: the stream name.' },
      },
    },
  },
} as const;

/** POST /recorder/terminate */
export const recorderTerminateSchema = {
  type: 'object',
  required: ['mediaSessionId'],
  properties: { mediaSessionId },
} as const;

/** POST /recorder/find */
export const recorderFindSchema = {
  type: 'object',
  properties: {
    mediaSessionId,
    streamName: { type: 'string', maxLength: 256 },
  },
} as const;

const recordedFile = {
  type: 'object',
  properties: {
    fileName: { type: 'string', description: 'Path relative to record_dir.' },
    size: { type: 'integer' },
    duration: { type: 'integer', description: 'ms' },
    startTime: { type: 'integer', description: 'Unix ms of the first frame.' },
    endTime: { type: 'integer' },
    url: { type: 'string', description: 'Signed download link, valid record_url_expiry seconds.' },
    finalized: { type: 'boolean', description: 'False: kept fragmented (no room to make it a regular MP4).' },
  },
} as const;

/** A recording as the recorder API answers it (see rest/recording-view.ts). */
export const recordingSchema = {
  type: 'object',
  properties: {
    mediaSessionId: { type: 'string', description: 'The recording’s id.' },
    streamName: { type: 'string' },
    fileName: { type: ['string', 'null'], description: 'The file being written, else the last one finished.' },
    state: { type: 'string', enum: ['pending', 'recording', 'stopped', 'failed'] },
    bytes: { type: 'integer' },
    duration: { type: 'integer', description: 'ms, every file together' },
    lastError: { type: ['string', 'null'] },
    createdTime: { type: 'integer' },
    startTime: { type: ['integer', 'null'] },
    fileTemplate: { type: 'string' },
    rotation: { type: ['string', 'null'] },
    currentFile: { type: ['object', 'null'], properties: { fileName: { type: 'string' }, bytes: { type: 'integer' }, duration: { type: 'integer' }, startTime: { type: 'integer' } } },
    files: { type: 'array', items: recordedFile },
  },
} as const;
