/** Which check a server frame failed. */
export type SignallingErrorCode = 'MALFORMED_JSON' | 'MALFORMED_ENVELOPE' | 'MALFORMED_PAYLOAD';

/** Thrown by decodeServerMessage for a frame that is not a valid signalling message. */
export class SignallingProtocolError extends Error {
  override readonly name = 'SignallingProtocolError';

  constructor(
    readonly code: SignallingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `getUserData` data[0]: the server's session object, passed to the ESTABLISHED callback. */
export interface UserData {
  readonly sessionId?: string;
  readonly authToken?: string;
  readonly [field: string]: unknown;
}

/** `notifyStreamStatusEvent` data[0]: a stream's new status and, on stop or failure, why (STREAM_STATUS_INFO). */
export interface StreamStatusEvent {
  mediaSessionId: string;
  name?: string;
  status: string;
  info?: string;
}

/** `fail` data[0]: a rejected request; with apiMethod "StreamStatusEvent", `id` is the failed stream's mediaSessionId. */
export interface ServerFailure {
  readonly apiMethod?: string;
  readonly id?: string;
  readonly info?: string;
  readonly [field: string]: unknown;
}

/** A decoded server frame; `ignored` stands for messages this client has no use for. */
export type ServerMessage =
  | { kind: 'userData'; userData: UserData }
  | { kind: 'remoteSdp'; mediaSessionId: string; sdp: string }
  | { kind: 'streamStatus'; event: StreamStatusEvent }
  | { kind: 'ping' }
  | { kind: 'fail'; failure: ServerFailure }
  | { kind: 'ignored'; message: string };

type JsonObject = Record<string, unknown>;

/** Parses one WebSocket text frame `{"message": <name>, "data": [...]}`; throws SignallingProtocolError when it is malformed. */
export function decodeServerMessage(text: string): ServerMessage {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    throw new SignallingProtocolError('MALFORMED_JSON', 'server frame is not JSON');
  }
  if (!isJsonObject(frame) || typeof frame.message !== 'string') {
    throw new SignallingProtocolError('MALFORMED_ENVELOPE', 'server frame has no message name');
  }
  const name = frame.message;
  switch (name) {
    case 'ping':
      return { kind: 'ping' };
    case 'getUserData':
      return { kind: 'userData', userData: firstObject(name, frame, ['sessionId', 'authToken']) };
    case 'setRemoteSDP':
      return decodeRemoteSdp(dataOf(name, frame));
    case 'notifyStreamStatusEvent':
      return { kind: 'streamStatus', event: decodeStreamStatus(firstObject(name, frame, [])) };
    case 'fail':
      return { kind: 'fail', failure: firstObject(name, frame, ['apiMethod', 'id', 'info']) };
    default:
      return { kind: 'ignored', message: name };
  }
}

/** setRemoteSDP is positional: data = [mediaSessionId, answerSdp]. */
function decodeRemoteSdp(data: unknown[]): ServerMessage {
  const [mediaSessionId, sdp] = data;
  if (typeof mediaSessionId !== 'string' || typeof sdp !== 'string') {
    throw new SignallingProtocolError('MALFORMED_PAYLOAD', 'setRemoteSDP needs [mediaSessionId, sdp] strings');
  }
  return { kind: 'remoteSdp', mediaSessionId, sdp };
}

function decodeStreamStatus(event: JsonObject): StreamStatusEvent {
  const { mediaSessionId, name, status, info } = event;
  if (typeof mediaSessionId !== 'string' || typeof status !== 'string') {
    throw new SignallingProtocolError('MALFORMED_PAYLOAD', 'notifyStreamStatusEvent needs mediaSessionId and status strings');
  }
  // WCS sends info: null on some events; a non-string info carries nothing worth keeping.
  return {
    mediaSessionId,
    status,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof info === 'string' ? { info } : {}),
  };
}

function dataOf(name: string, frame: JsonObject): unknown[] {
  if (!Array.isArray(frame.data)) {
    throw new SignallingProtocolError('MALFORMED_ENVELOPE', `${name} has no data array`);
  }
  return frame.data;
}

/** data[0] as an object whose `stringFields`, where present, are strings. */
function firstObject(name: string, frame: JsonObject, stringFields: readonly string[]): JsonObject {
  const first = dataOf(name, frame)[0];
  if (!isJsonObject(first)) {
    throw new SignallingProtocolError('MALFORMED_PAYLOAD', `${name} data[0] is not an object`);
  }
  const wrong = stringFields.find((field) => first[field] !== undefined && typeof first[field] !== 'string');
  if (wrong !== undefined) {
    throw new SignallingProtocolError('MALFORMED_PAYLOAD', `${name} data[0].${wrong} is not a string`);
  }
  return first;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
