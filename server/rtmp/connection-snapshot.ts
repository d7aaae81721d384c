import type { ChunkReaderSnapshot } from './protocol/chunk-reader';
import { MAX_CHUNK_SIZE } from './protocol/messages';

/**
 * What an RtmpConnection hands to the one that continues it on the same socket, possibly in
 * another process (structured-cloneable: numbers and byte arrays only). The writer's per chunk
 * stream header state is not carried: the resumed writer starts each chunk stream with a type 0
 * header, which is always valid.
 */
export interface ConnectionSnapshot {
  /** The peer's chunk stream as parsed so far. */
  readonly reader: ChunkReaderSnapshot;
  /** Chunk size we announced to the peer, bytes. */
  readonly outgoingChunkSize: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** The peer's Window Acknowledgement Size (0: none announced), bytes. */
  readonly windowAckSize: number;
  /** bytesReceived when we last sent an Acknowledgement. */
  readonly lastAcknowledged: number;
  /** Bytes read from the socket and not yet given to the reader (not counted in bytesReceived). */
  readonly unread: Uint8Array;
}

/** Most a snapshot's unread bytes may hold: what a paused socket buffers is far less, bytes. */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/** Throws an Error naming the first field of `snapshot` out of range (the reader's state is checked when restored). */
export function checkConnectionSnapshot(snapshot: ConnectionSnapshot): void {
  const bad = (what: string): Error => new Error(`invalid connection snapshot: ${what}`);
  if (typeof snapshot !== 'object' || snapshot === null) throw bad('not an object');
  const { outgoingChunkSize, bytesSent, bytesReceived, windowAckSize, lastAcknowledged, unread, reader } = snapshot;
  if (!isCount(outgoingChunkSize) || outgoingChunkSize < 1 || outgoingChunkSize > MAX_CHUNK_SIZE) throw bad(`outgoing chunk size ${String(outgoingChunkSize)}`);
  if (!isCount(bytesSent) || !isCount(bytesReceived)) throw bad('byte counters');
  if (!isCount(windowAckSize) || windowAckSize > 0xffffffff) throw bad(`window acknowledgement size ${String(windowAckSize)}`);
  if (!isCount(lastAcknowledged) || lastAcknowledged > bytesReceived) throw bad(`last acknowledged ${String(lastAcknowledged)}`);
  if (!(unread instanceof Uint8Array) || unread.length > MAX_UNREAD_BYTES) throw bad('unread bytes');
  if (typeof reader !== 'object' || reader === null) throw bad('reader');
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
