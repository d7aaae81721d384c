// The publish- and play-related subset of @flashphoner/websdk's constants.js, with identical
// string values so code written against the official SDK compares statuses the same way.

/** Session statuses this SDK reports; values equal the official SESSION_STATUS. */
export const SESSION_STATUS = Object.freeze({
  /** State of a newly created session, before its WebSocket opens. */
  PENDING: 'PENDING',
  /** The WebSocket is open; the `connection` request has been sent. */
  CONNECTED: 'CONNECTED',
  /** The server answered `getUserData`: streams may be created. */
  ESTABLISHED: 'ESTABLISHED',
  /** The WebSocket closed after it had opened. */
  DISCONNECTED: 'DISCONNECTED',
  /** The WebSocket could not connect or failed. */
  FAILED: 'FAILED',
  /** The server rejected a request (`fail` message); the callback receives the server's object. */
  WARN: 'WARN',
} as const);

/** One of the SESSION_STATUS values. */
export type SessionStatus = (typeof SESSION_STATUS)[keyof typeof SESSION_STATUS];

/** Stream statuses a publishing or playing stream goes through; values equal the official STREAM_STATUS. */
export const STREAM_STATUS = Object.freeze({
  /** Created, neither publish() nor play() called yet. */
  NEW: 'NEW',
  /** publish() or play() called: acquiring media, negotiating, waiting for the server. */
  PENDING: 'PENDING',
  /** The server receives the stream. */
  PUBLISHING: 'PUBLISHING',
  /** A published stream stopped (by stop(), by REST terminate or by the server). Terminal. */
  UNPUBLISHED: 'UNPUBLISHED',
  /** The server sends the played stream. */
  PLAYING: 'PLAYING',
  /** A played stream stopped (by stop(), its publisher's end or the server). Terminal. */
  STOPPED: 'STOPPED',
  /** Failed locally, rejected by the server, or its session closed. Terminal. */
  FAILED: 'FAILED',
} as const);

/** One of the STREAM_STATUS values. */
export type StreamStatus = (typeof STREAM_STATUS)[keyof typeof STREAM_STATUS];

/** The `info` strings a publishing or playing stream may carry (Stream.getInfo()); values equal the official STREAM_STATUS_INFO. */
export const STREAM_STATUS_INFO = Object.freeze({
  FAILED_BY_ICE_ERROR: 'Failed by ICE error',
  FAILED_BY_ICE_TIMEOUT: 'Failed by ICE timeout',
  FAILED_BY_DTLS_ERROR: 'Failed by DTLS error',
  FAILED_BY_RTMP_WRITER_ERROR: 'Failed by RTMP writer error',
  FAILED_BY_RTP_ACTIVITY: 'Failed by RTP activity',
  FAILED_BY_ERROR: 'Failed by error',
  STOPPED_BY_SESSION_DISCONNECT: 'Stopped by session disconnect',
  STOPPED_BY_REST_TERMINATE: 'Stopped by rest /terminate',
  STOPPED_BY_PUBLISHER_STOP: 'Stopped by publisher stop',
  STOPPED_BY_USER: 'Stopped by user',
  STREAM_NAME_ALREADY_IN_USE: 'Stream name is already in use',
  STREAM_NOT_FOUND: 'Stream not found',
  MEDIASESSION_ID_ALREADY_IN_USE: 'MediaSessionId is already in use',
  NO_COMMON_CODECS: 'No common codecs',
} as const);

/** Error messages thrown on misuse, and the info of a locally failed stream; values equal the official ERROR_INFO. */
export const ERROR_INFO = Object.freeze({
  NONE_OF_MEDIAPROVIDERS_AVAILABLE: 'None of MediaProviders available',
  FLASHPHONER_API_NOT_INITIALIZED: 'Flashphoner API is not initialized',
  OPTIONS_URLSERVER_MUST_BE_PROVIDED: 'options.urlServer must be provided',
  INVALID_SESSION_STATE: 'Invalid session state',
  OPTIONS_MUST_BE_PROVIDED: 'options must be provided',
  EVENT_CANT_BE_NULL: "Event can't be null",
  CALLBACK_NEEDS_TO_BE_A_VALID_FUNCTION: 'Callback needs to be a valid function',
  OPTIONS_NAME_MUST_BE_PROVIDED: 'options.name must be provided',
  /** Stream.getInfo() after media access, negotiation or the local SDP failed; details in getErrorInfo(). */
  LOCAL_ERROR: 'Local error',
} as const);
