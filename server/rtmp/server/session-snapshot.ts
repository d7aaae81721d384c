import type { ConnectionSnapshot } from '../connection-snapshot';

/** The publish or play a handed-over connection was asked for and the access policy allowed. */
export interface PendingStream {
  readonly action: 'publish' | 'play';
  readonly messageStreamId: number;
  readonly streamKey: string;
}

/**
 * What a ServerSession hands to the process that resumes its connection (ServerSession.resume):
 * plain, structured-cloneable data, sent over IPC with the socket.
 */
export interface SessionSnapshot {
  /** The client's address as accepted (the socket's may not survive the transfer). */
  readonly client: { readonly ip: string; readonly port: number };
  /** `app` of the accepted connect, normalized. */
  readonly app: string;
  /** Id the next createStream gets. */
  readonly nextStreamId: number;
  /** Message streams created and idle, the pending one excepted. */
  readonly idleStreamIds: readonly number[];
  readonly pending: PendingStream;
  readonly connection: ConnectionSnapshot;
}

/** Longest stream key a snapshot may carry, characters: far above any real one. */
const MAX_STREAM_KEY_LENGTH = 4096;

/** Throws an Error naming the first field of `snapshot` out of range (the connection's own state is checked when resumed). */
export function checkSessionSnapshot(snapshot: SessionSnapshot, maxStreams: number): void {
  const bad = (what: string): Error => new Error(`invalid session snapshot: ${what}`);
  if (typeof snapshot !== 'object' || snapshot === null) throw bad('not an object');
  const { client, app, nextStreamId, idleStreamIds, pending, connection } = snapshot;
  if (typeof client?.ip !== 'string' || !isInt(client.port, 0, 65535)) throw bad('client address');
  if (typeof app !== 'string' || app.length > MAX_STREAM_KEY_LENGTH) throw bad('app');
  if (!isInt(nextStreamId, 2, 0xffffffff)) throw bad(`next stream id ${String(nextStreamId)}`);
  const created = (id: unknown): id is number => isInt(id, 1, nextStreamId - 1);
  if (!Array.isArray(idleStreamIds) || idleStreamIds.length >= maxStreams || !idleStreamIds.every(created) || new Set(idleStreamIds).size !== idleStreamIds.length) throw bad('idle stream ids');
  if (typeof pending !== 'object' || pending === null || (pending.action !== 'publish' && pending.action !== 'play')) throw bad('pending action');
  if (!created(pending.messageStreamId) || idleStreamIds.includes(pending.messageStreamId)) throw bad(`pending message stream ${String(pending.messageStreamId)}`);
  if (typeof pending.streamKey !== 'string' || pending.streamKey === '' || pending.streamKey.length > MAX_STREAM_KEY_LENGTH) throw bad('pending stream key');
  if (typeof connection !== 'object' || connection === null) throw bad('connection');
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
