import type { ErrorBody } from '../http-app';

/** Errors in OvenMediaEngine's envelope: `{statusCode, message}` (the gateway's code added for scripts). */
export const omeErrorBody: ErrorBody = (status, code, message) => ({ statusCode: status, message, code });
