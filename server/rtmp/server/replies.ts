import type { AmfValue } from '../protocol/amf0';
import { ChunkStreamId, commandMessage, dataMessage, type RtmpMessage } from '../protocol/messages';

/**
 * The messages an RTMP server answers with, shaped as FMS and nginx-rtmp send them, which is
 * what FFmpeg, OBS (librtmp) and VLC expect.
 */

/** The NetConnection and NetStream status codes the server sends. */
export const StatusCode = {
  CONNECT_SUCCESS: 'NetConnection.Connect.Success',
  CONNECT_REJECTED: 'NetConnection.Connect.Rejected',
  CALL_FAILED: 'NetConnection.Call.Failed',
  PUBLISH_START: 'NetStream.Publish.Start',
  PUBLISH_BAD_NAME: 'NetStream.Publish.BadName',
  UNPUBLISH_SUCCESS: 'NetStream.Unpublish.Success',
  PLAY_RESET: 'NetStream.Play.Reset',
  PLAY_START: 'NetStream.Play.Start',
  PLAY_STREAM_NOT_FOUND: 'NetStream.Play.StreamNotFound',
  PLAY_UNPUBLISH_NOTIFY: 'NetStream.Play.UnpublishNotify',
} as const;

/** Server identity in the connect reply: the FMS version string players check for. */
const SERVER_PROPERTIES = { fmsVer: 'FMS/3,0,1,123', capabilities: 31 } as const;
const CONNECTION_ROUTE = { chunkStreamId: ChunkStreamId.COMMAND, messageStreamId: 0 } as const;

/** `_result` of connect: NetConnection.Connect.Success with AMF0 object encoding. */
export function connectAccepted(transactionId: number): RtmpMessage {
  const info = { level: 'status', code: StatusCode.CONNECT_SUCCESS, description: 'Connection succeeded.', objectEncoding: 0 };
  return commandMessage({ name: '_result', transactionId, commandObject: { ...SERVER_PROPERTIES }, args: [info] }, CONNECTION_ROUTE);
}

/** `_error` of connect: NetConnection.Connect.Rejected saying why. */
export function connectRejected(transactionId: number, description: string): RtmpMessage {
  const info = { level: 'error', code: StatusCode.CONNECT_REJECTED, description };
  return commandMessage({ name: '_error', transactionId, commandObject: null, args: [info] }, CONNECTION_ROUTE);
}

/** `_result` of a connection-level call, e.g. createStream's `[null, streamId]`. */
export function callResult(transactionId: number, ...args: AmfValue[]): RtmpMessage {
  return commandMessage({ name: '_result', transactionId, commandObject: null, args }, CONNECTION_ROUTE);
}

/** `_error` of a call the server does not offer (NetConnection.Call.Failed). */
export function callFailed(transactionId: number, description: string): RtmpMessage {
  const info = { level: 'error', code: StatusCode.CALL_FAILED, description };
  return commandMessage({ name: '_error', transactionId, commandObject: null, args: [info] }, CONNECTION_ROUTE);
}

/** `onStatus` on a message stream: level 'status' or 'error', a NetStream code and a description. */
export function streamStatus(messageStreamId: number, level: 'status' | 'error', code: string, description: string): RtmpMessage {
  const route = { chunkStreamId: ChunkStreamId.STREAM, messageStreamId };
  return commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level, code, description }] }, route);
}

/** `onMetaData` data message on a message stream, as a player receives it (no `@setDataFrame`). */
export function metadataMessage(messageStreamId: number, metadata: AmfValue): RtmpMessage {
  return dataMessage(['onMetaData', metadata], { chunkStreamId: ChunkStreamId.STREAM, messageStreamId });
}
