import { RtmpProtocolError } from './errors';
import { DEFAULT_CHUNK_SIZE, MAX_MESSAGE_LENGTH, type OutgoingRtmpMessage, validateChunkSize } from './messages';
import { PayloadCursor, payloadLength } from './payload';

/** Timestamps at or above this are sent in the 4-byte extended timestamp field, ms. */
export const EXTENDED_TIMESTAMP = 0xffffff;
/** Lowest chunk stream id a message may use (0 and 1 are basic-header escapes). */
export const MIN_CHUNK_STREAM_ID = 2;
/** Highest chunk stream id a 3-byte basic header can carry. */
export const MAX_CHUNK_STREAM_ID = 65599;

/** Message header length by chunk type (fmt) 0..3, bytes. */
const MESSAGE_HEADER_LENGTH = [11, 7, 3, 0] as const;

/** What the peer remembers about a chunk stream after our last message on it. */
interface SentChunkStream {
  timestamp: number;
  /** Timestamp delta of the last type 1/2 header; undefined after a type 0 header. */
  delta: number | undefined;
  length: number;
  typeId: number;
  messageStreamId: number;
}

/**
 * Serialises messages into chunks (RTMP spec 5.3), choosing the smallest header per chunk stream:
 * type 0 on first use, when the message stream changes or the timestamp goes backwards;
 * type 1 when length or type changes; type 2 when only the delta changes; type 3 when nothing does.
 *
 * A type 3 header never starts a message right after a type 0 one: readers disagree on which
 * delta it implies (FFmpeg adds the type 0 timestamp again, nginx-rtmp adds nothing).
 * Extended timestamps are repeated in every type 3 continuation chunk, as FFmpeg, librtmp and
 * nginx-rtmp expect.
 *
 * Each message becomes a list of Buffers to write back to back: chunk headers, from one small
 * allocation per message, interleaved with views of the payload. The payload is never copied, so a
 * frame fanned out to many connections stays one shared Buffer and only the headers are per target.
 */
export class ChunkWriter {
  #chunkSize = DEFAULT_CHUNK_SIZE;
  readonly #streams = new Map<number, SentChunkStream>();

  /** Current outgoing chunk size, bytes (default 128). */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Applies a new chunk size (1..16 MiB) to the following messages; send the Set Chunk Size message first. */
  setChunkSize(size: number): void {
    validateChunkSize(size);
    this.#chunkSize = size;
  }

  /**
   * Chunks one message into header Buffers and views of its payload (no copy: the payload must not
   * change until the parts are written). Timestamps are taken modulo 2^32 ms; throws
   * RtmpProtocolError for a bad chunk stream id or a payload over 16 MiB - 1.
   */
  write(message: OutgoingRtmpMessage): Buffer[] {
    const { chunkStreamId, typeId, messageStreamId } = message;
    if (!Number.isInteger(chunkStreamId) || chunkStreamId < MIN_CHUNK_STREAM_ID || chunkStreamId > MAX_CHUNK_STREAM_ID) {
      throw new RtmpProtocolError('BAD_CHUNK_STREAM_ID', `chunk stream id ${chunkStreamId} outside ${MIN_CHUNK_STREAM_ID}..${MAX_CHUNK_STREAM_ID}`);
    }
    const length = payloadLength(message.payload);
    if (length > MAX_MESSAGE_LENGTH) throw new RtmpProtocolError('MESSAGE_TOO_LARGE', `message of ${length} bytes exceeds ${MAX_MESSAGE_LENGTH}`);
    const timestamp = Math.floor(message.timestamp) >>> 0;

    const previous = this.#streams.get(chunkStreamId);
    const delta = previous === undefined ? 0 : (timestamp - previous.timestamp) >>> 0;
    // Serial-number arithmetic: a "delta" in the upper half of the 32-bit range is a step back, not a wrap forward.
    const restart = previous === undefined || previous.messageStreamId !== messageStreamId || delta >= 0x80000000;
    let fmt: 0 | 1 | 2 | 3;
    if (restart) fmt = 0;
    else if (previous.length !== length || previous.typeId !== typeId) fmt = 1;
    else if (previous.delta !== delta) fmt = 2;
    else fmt = 3;
    const timestampField = fmt === 0 ? timestamp : delta;
    const extended = timestampField >= EXTENDED_TIMESTAMP;

    const basicLength = basicHeaderLength(chunkStreamId);
    const extendedLength = extended ? 4 : 0;
    const firstLength = basicLength + MESSAGE_HEADER_LENGTH[fmt] + extendedLength;
    const chunkCount = Math.max(1, Math.ceil(length / this.#chunkSize));
    // Every continuation chunk has the same type 3 header: it is written once and its view repeated.
    const continuationLength = chunkCount > 1 ? basicLength + extendedLength : 0;
    // Small enough to come from Node's shared allocation pool.
    const headers = Buffer.allocUnsafe(firstLength + continuationLength);

    let position = writeBasicHeader(headers, 0, fmt, chunkStreamId);
    if (fmt <= 2) {
      headers.writeUIntBE(Math.min(timestampField, EXTENDED_TIMESTAMP), position, 3);
      position += 3;
    }
    if (fmt <= 1) {
      headers.writeUIntBE(length, position, 3);
      headers[position + 3] = typeId;
      position += 4;
    }
    if (fmt === 0) {
      headers.writeUInt32LE(messageStreamId >>> 0, position); // the one little-endian field in RTMP
      position += 4;
    }
    if (extended) position = headers.writeUInt32BE(timestampField, position);
    if (continuationLength > 0) {
      position = writeBasicHeader(headers, position, 3, chunkStreamId);
      if (extended) headers.writeUInt32BE(timestampField, position);
    }
    const continuation = headers.subarray(firstLength);

    const parts = [headers.subarray(0, firstLength)];
    const cursor = new PayloadCursor(message.payload);
    let left = length;
    for (let chunk = 0; chunk < chunkCount; chunk++) {
      if (chunk > 0) parts.push(continuation);
      const size = Math.min(left, this.#chunkSize);
      cursor.viewsTo(parts, size);
      left -= size;
    }

    this.#streams.set(chunkStreamId, { timestamp, delta: fmt === 0 ? undefined : delta, length, typeId, messageStreamId });
    return parts;
  }
}

function basicHeaderLength(chunkStreamId: number): number {
  if (chunkStreamId < 64) return 1;
  return chunkStreamId < 320 ? 2 : 3;
}

function writeBasicHeader(out: Buffer, position: number, fmt: number, chunkStreamId: number): number {
  if (chunkStreamId < 64) {
    out[position] = (fmt << 6) | chunkStreamId;
    return position + 1;
  }
  const id = chunkStreamId - 64;
  if (chunkStreamId < 320) {
    out[position] = fmt << 6;
    out[position + 1] = id;
    return position + 2;
  }
  out[position] = (fmt << 6) | 1;
  out[position + 1] = id & 0xff;
  out[position + 2] = id >> 8;
  return position + 3;
}
