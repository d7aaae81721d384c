import { type AmfValue, decodeAmf0Sequence, encodeAmf0 } from './amf0';
import { RtmpProtocolError } from './errors';
import type { Payload } from './payload';

/** An RTMP message as reassembled from chunks. */
export interface RtmpMessage {
  /** Chunk stream it arrived on (2..65599). */
  readonly chunkStreamId: number;
  /** Absolute timestamp, ms, unsigned 32-bit (wraps at 2^32). */
  readonly timestamp: number;
  /** Message type id, see {@link MessageType}. */
  readonly typeId: number;
  /** Message stream id: 0 for the connection, else the id createStream returned. */
  readonly messageStreamId: number;
  readonly payload: Buffer;
}

/** An RTMP message to send; the payload may be given in parts. */
export interface OutgoingRtmpMessage extends Omit<RtmpMessage, 'payload'> {
  readonly payload: Payload;
}

/** Message type ids (RTMP spec 5.4, 6.2, 7.1). */
export const MessageType = {
  SET_CHUNK_SIZE: 1,
  ABORT: 2,
  ACKNOWLEDGEMENT: 3,
  USER_CONTROL: 4,
  WINDOW_ACK_SIZE: 5,
  SET_PEER_BANDWIDTH: 6,
  AUDIO: 8,
  VIDEO: 9,
  DATA_AMF3: 15,
  SHARED_OBJECT_AMF3: 16,
  COMMAND_AMF3: 17,
  DATA_AMF0: 18,
  SHARED_OBJECT_AMF0: 19,
  COMMAND_AMF0: 20,
  AGGREGATE: 22,
} as const;

/** Chunk stream ids conventionally used by FFmpeg and librtmp; any id from 3 up works for non-control messages. */
export const ChunkStreamId = {
  /** Protocol control and user control messages (required by the spec). */
  PROTOCOL_CONTROL: 2,
  /** Connection-level commands: connect, createStream, FCPublish, ... */
  COMMAND: 3,
  AUDIO: 4,
  VIDEO: 6,
  /** Stream-level commands and data: publish, play, @setDataFrame. */
  STREAM: 8,
} as const;

/** Chunk size both sides use until a Set Chunk Size, bytes. */
export const DEFAULT_CHUNK_SIZE = 128;
/** Largest chunk size this implementation sends or accepts, bytes (16 MiB; larger ones could never fill a chunk). */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** Largest message length the 24-bit length field can express, bytes. */
export const MAX_MESSAGE_LENGTH = 0xffffff;

/** User control events (RTMP spec 7.1.7). */
export const UserControlEventType = {
  STREAM_BEGIN: 0,
  STREAM_EOF: 1,
  STREAM_DRY: 2,
  SET_BUFFER_LENGTH: 3,
  STREAM_IS_RECORDED: 4,
  PING_REQUEST: 6,
  PING_RESPONSE: 7,
} as const;

/** A decoded user control message. */
export type UserControl =
  | { readonly event: 'streamBegin' | 'streamEof' | 'streamDry' | 'streamIsRecorded'; readonly streamId: number }
  | { readonly event: 'setBufferLength'; readonly streamId: number; readonly bufferLengthMs: number }
  | { readonly event: 'pingRequest' | 'pingResponse'; readonly timestamp: number }
  | { readonly event: 'unknown'; readonly type: number; readonly data: Buffer };

/** Set Peer Bandwidth limit types (RTMP spec 5.4.5). */
export type PeerBandwidthLimit = 'hard' | 'soft' | 'dynamic';

/** An AMF0 command: name, transaction id (0 when no reply is expected), command object, then arguments. */
export interface RtmpCommand {
  readonly name: string;
  readonly transactionId: number;
  readonly commandObject: AmfValue;
  readonly args: readonly AmfValue[];
}

/** Where a command or data message goes, and its timestamp in ms (default 0). */
export interface MessageRoute {
  readonly chunkStreamId: number;
  readonly messageStreamId: number;
  readonly timestamp?: number;
}

function protocolControl(typeId: number, payload: Buffer): RtmpMessage {
  return { chunkStreamId: ChunkStreamId.PROTOCOL_CONTROL, timestamp: 0, typeId, messageStreamId: 0, payload };
}

function routed(route: MessageRoute, typeId: number, payload: Buffer): RtmpMessage {
  return { chunkStreamId: route.chunkStreamId, timestamp: route.timestamp ?? 0, typeId, messageStreamId: route.messageStreamId, payload };
}

function u32Payload(value: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(value >>> 0);
  return payload;
}

function readU32(payload: Buffer, what: string): number {
  if (payload.length < 4) throw new RtmpProtocolError('BAD_MESSAGE', `${what} message of ${payload.length} bytes, expected 4`);
  return payload.readUInt32BE(0);
}

/** Throws RtmpProtocolError unless `size` is a chunk size this implementation handles (1..16 MiB). */
export function validateChunkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new RtmpProtocolError('BAD_CHUNK_SIZE', `invalid chunk size ${size}`);
  if (size > MAX_CHUNK_SIZE) throw new RtmpProtocolError('CHUNK_TOO_LARGE', `chunk size ${size} exceeds ${MAX_CHUNK_SIZE}`);
}

/** Set Chunk Size (type 1): the sender's chunks carry at most `size` payload bytes from now on. */
export function setChunkSizeMessage(size: number): RtmpMessage {
  validateChunkSize(size);
  return protocolControl(MessageType.SET_CHUNK_SIZE, u32Payload(size));
}

/** Reads a Set Chunk Size payload; throws RtmpProtocolError if short, zero, has the reserved top bit set, or exceeds 16 MiB. */
export function parseSetChunkSize(payload: Buffer): number {
  const size = readU32(payload, 'Set Chunk Size');
  if (size > 0x7fffffff) throw new RtmpProtocolError('BAD_CHUNK_SIZE', `Set Chunk Size with the reserved top bit set (0x${size.toString(16)})`);
  validateChunkSize(size);
  return size;
}

/** Abort (type 2): discard the partly received message on `chunkStreamId`. */
export function abortMessage(chunkStreamId: number): RtmpMessage {
  return protocolControl(MessageType.ABORT, u32Payload(chunkStreamId));
}

/** Reads an Abort payload: the chunk stream id. */
export function parseAbort(payload: Buffer): number {
  return readU32(payload, 'Abort');
}

/** Acknowledgement (type 3): total bytes received so far, modulo 2^32. */
export function acknowledgementMessage(sequenceNumber: number): RtmpMessage {
  return protocolControl(MessageType.ACKNOWLEDGEMENT, u32Payload(sequenceNumber));
}

/** Reads an Acknowledgement payload: bytes the peer received, modulo 2^32. */
export function parseAcknowledgement(payload: Buffer): number {
  return readU32(payload, 'Acknowledgement');
}

/** Window Acknowledgement Size (type 5): acknowledge after every `size` bytes received. */
export function windowAckSizeMessage(size: number): RtmpMessage {
  return protocolControl(MessageType.WINDOW_ACK_SIZE, u32Payload(size));
}

/** Reads a Window Acknowledgement Size payload, bytes. */
export function parseWindowAckSize(payload: Buffer): number {
  return readU32(payload, 'Window Acknowledgement Size');
}

const LIMIT_TYPES: readonly PeerBandwidthLimit[] = ['hard', 'soft', 'dynamic'];

/** Set Peer Bandwidth (type 6): window size in bytes and how to apply it. */
export function setPeerBandwidthMessage(size: number, limit: PeerBandwidthLimit): RtmpMessage {
  const payload = Buffer.allocUnsafe(5);
  payload.writeUInt32BE(size >>> 0, 0);
  payload[4] = LIMIT_TYPES.indexOf(limit);
  return protocolControl(MessageType.SET_PEER_BANDWIDTH, payload);
}

/** Reads a Set Peer Bandwidth payload. */
export function parseSetPeerBandwidth(payload: Buffer): { size: number; limit: PeerBandwidthLimit } {
  if (payload.length < 5) throw new RtmpProtocolError('BAD_MESSAGE', `Set Peer Bandwidth message of ${payload.length} bytes, expected 5`);
  const limit = LIMIT_TYPES[payload[4]!];
  if (limit === undefined) throw new RtmpProtocolError('BAD_MESSAGE', `Set Peer Bandwidth limit type ${payload[4]}`, 4);
  return { size: payload.readUInt32BE(0), limit };
}

const STREAM_EVENTS = {
  streamBegin: UserControlEventType.STREAM_BEGIN,
  streamEof: UserControlEventType.STREAM_EOF,
  streamDry: UserControlEventType.STREAM_DRY,
  streamIsRecorded: UserControlEventType.STREAM_IS_RECORDED,
} as const;

/** User Control (type 4) message. */
export function userControlMessage(control: UserControl): RtmpMessage {
  let payload: Buffer;
  switch (control.event) {
    case 'setBufferLength':
      payload = Buffer.allocUnsafe(10);
      payload.writeUInt16BE(UserControlEventType.SET_BUFFER_LENGTH, 0);
      payload.writeUInt32BE(control.streamId >>> 0, 2);
      payload.writeUInt32BE(control.bufferLengthMs >>> 0, 6);
      break;
    case 'pingRequest':
    case 'pingResponse':
      payload = Buffer.allocUnsafe(6);
      payload.writeUInt16BE(control.event === 'pingRequest' ? UserControlEventType.PING_REQUEST : UserControlEventType.PING_RESPONSE, 0);
      payload.writeUInt32BE(control.timestamp >>> 0, 2);
      break;
    case 'unknown':
      payload = Buffer.allocUnsafe(2 + control.data.length);
      payload.writeUInt16BE(control.type, 0);
      control.data.copy(payload, 2);
      break;
    default:
      payload = Buffer.allocUnsafe(6);
      payload.writeUInt16BE(STREAM_EVENTS[control.event], 0);
      payload.writeUInt32BE(control.streamId >>> 0, 2);
  }
  return protocolControl(MessageType.USER_CONTROL, payload);
}

/** Reads a User Control payload; unknown event types come back as `{ event: 'unknown' }`. */
export function parseUserControl(payload: Buffer): UserControl {
  if (payload.length < 2) throw new RtmpProtocolError('BAD_MESSAGE', `User Control message of ${payload.length} bytes`);
  const type = payload.readUInt16BE(0);
  const value = (): number => {
    if (payload.length < 6) throw new RtmpProtocolError('BAD_MESSAGE', `User Control event ${type} with ${payload.length - 2} data bytes`, 2);
    return payload.readUInt32BE(2);
  };
  switch (type) {
    case UserControlEventType.STREAM_BEGIN:
      return { event: 'streamBegin', streamId: value() };
    case UserControlEventType.STREAM_EOF:
      return { event: 'streamEof', streamId: value() };
    case UserControlEventType.STREAM_DRY:
      return { event: 'streamDry', streamId: value() };
    case UserControlEventType.STREAM_IS_RECORDED:
      return { event: 'streamIsRecorded', streamId: value() };
    case UserControlEventType.SET_BUFFER_LENGTH: {
      const streamId = value();
      if (payload.length < 10) throw new RtmpProtocolError('BAD_MESSAGE', `SetBufferLength with ${payload.length - 2} data bytes`, 2);
      return { event: 'setBufferLength', streamId, bufferLengthMs: payload.readUInt32BE(6) };
    }
    case UserControlEventType.PING_REQUEST:
      return { event: 'pingRequest', timestamp: value() };
    case UserControlEventType.PING_RESPONSE:
      return { event: 'pingResponse', timestamp: value() };
    default:
      return { event: 'unknown', type, data: payload.subarray(2) };
  }
}

/** AMF0 command message (type 20). */
export function commandMessage(command: RtmpCommand, route: MessageRoute): RtmpMessage {
  return routed(route, MessageType.COMMAND_AMF0, encodeAmf0(command.name, command.transactionId, command.commandObject, ...command.args));
}

/**
 * Reads a command message, AMF0 (type 20) or AMF3 (type 17: Flash sends one format byte,
 * then the same AMF0 values). Throws RtmpProtocolError when the name or transaction id is missing.
 */
export function parseCommand(message: Pick<RtmpMessage, 'typeId' | 'payload'>): RtmpCommand {
  const body = message.typeId === MessageType.COMMAND_AMF3 ? message.payload.subarray(1) : message.payload;
  const [name, transactionId, commandObject = null, ...args] = decodeAmf0Sequence(body);
  if (typeof name !== 'string') throw new RtmpProtocolError('BAD_MESSAGE', 'command message without a name');
  if (typeof transactionId !== 'number') throw new RtmpProtocolError('BAD_MESSAGE', `command '${name}' without a transaction id`);
  return { name, transactionId, commandObject, args };
}

/** AMF0 data message (type 18), e.g. `['@setDataFrame', 'onMetaData', ecmaArray]`. */
export function dataMessage(values: readonly AmfValue[], route: MessageRoute): RtmpMessage {
  return routed(route, MessageType.DATA_AMF0, encodeAmf0(...values));
}

/** Reads a data message, AMF0 (type 18) or AMF3 (type 15, AMF0 after a format byte). */
export function parseData(message: Pick<RtmpMessage, 'typeId' | 'payload'>): AmfValue[] {
  return decodeAmf0Sequence(message.typeId === MessageType.DATA_AMF3 ? message.payload.subarray(1) : message.payload);
}
