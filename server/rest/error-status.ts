import type { GatewayErrorCode } from '../errors';

/** The one table from error code to HTTP status. */
export const ERROR_STATUS: Record<GatewayErrorCode, number> = {
  INVALID_JSON: 400,
  INVALID_BODY: 400,
  INVALID_URL: 400,
  INVALID_SOUND_FILE: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  STREAM_NOT_FOUND: 404,
  TRANSPONDER_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
};
