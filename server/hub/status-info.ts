/**
 * Why a stream or a push ended, in Web Call Server's words (the SDK's STREAM_STATUS_INFO strings):
 * WebRTC clients get them in notifyStreamStatusEvent and compare them verbatim, and every ingest
 * (WebRTC, RTMP) closes its hub stream with one, so pushes can tell a deliberate stop from a drop.
 */
export const StreamStatusInfo = {
  FAILED_BY_ICE_ERROR: 'Failed by ICE error',
  FAILED_BY_ICE_TIMEOUT: 'Failed by ICE timeout',
  FAILED_BY_DTLS_ERROR: 'Failed by DTLS error',
  FAILED_BY_RTP_ACTIVITY: 'Failed by RTP activity',
  FAILED_BY_ERROR: 'Failed by error',
  STOPPED_BY_SESSION_DISCONNECT: 'Stopped by session disconnect',
  STOPPED_BY_PUBLISHER_STOP: 'Stopped by publisher stop',
  STOPPED_BY_REST_TERMINATE: 'Stopped by rest /terminate',
  /** Not a WCS string: the gateway is shutting down. */
  STOPPED_BY_SERVER_SHUTDOWN: 'Stopped by server shutdown',
  STREAM_NAME_ALREADY_IN_USE: 'Stream name is already in use',
  MEDIASESSION_ID_NULL: 'MediaSessionId is null',
  MEDIASESSION_ID_ALREADY_IN_USE: 'MediaSessionId is already in use',
  SESSION_NOT_READY: 'Session not ready',
  NO_COMMON_CODECS: 'No common codecs',
  /** The customer's backend answered a REST hook with 403. */
  RESTRICTED_ACCESS: 'Restricted access',
  /** Not a WCS string: a REST hook could not be asked and rest_hook_on_error is refuse. */
  AUTHORIZATION_UNAVAILABLE: 'Authorization backend unavailable',
} as const;
