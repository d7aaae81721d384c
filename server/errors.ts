/**
 * Stable error codes that control operations (pushes, RTMP servers) report. The REST layer turns
 * each into one HTTP status in `rest/error-status.ts`; nothing else depends on HTTP.
 */
export type GatewayErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_BODY'
  | 'INVALID_URL'
  | 'INVALID_SOUND_FILE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN_TARGET'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'STREAM_NOT_FOUND'
  | 'TRANSPONDER_NOT_FOUND'
  | 'RECORDING_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'CONFLICT'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'LIMIT_REACHED'
  | 'INTERNAL';

/** An error meant for the API's user: its message says what went wrong and what to do. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
  }
}
