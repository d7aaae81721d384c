import { ByteQueue } from './byte-queue';
import { EXTENDED_TIMESTAMP } from './chunk-writer';
import { RtmpProtocolError } from './errors';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MessageType, parseAbort, parseSetChunkSize, type RtmpMessage } from './messages';

/** Limits that keep a hostile peer from exhausting memory. */
export interface ChunkReaderLimits {
  /** Largest message accepted, bytes; default 16 MiB. */
  readonly maxMessageLength?: number;
  /** Messages that may be partly received at once (one per chunk stream); default 16. */
  readonly maxPartialMessages?: number;
  /**
   * Bytes all the messages partly received at once may hold together, bytes; default 16 MiB. What
   * the reader allocates for them never exceeds it: the message that would is refused.
   */
  readonly maxPartialMessageBytes?: number;
  /** Distinct chunk stream ids a peer may use; default 64. */
  readonly maxChunkStreams?: number;
  /**
   * Smallest chunk size the peer may announce, bytes; default 1 (what the spec allows). Tiny chunks
   * multiply the parsing work per byte, so a server may refuse them before parsing another chunk.
   */
  readonly minChunkSize?: number;
}

const DEFAULT_MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;
const DEFAULT_MAX_PARTIAL_MESSAGES = 16;
/** Two messages of 8 MiB, or one of 16 MiB: a 4K keyframe is a few MB. */
const DEFAULT_MAX_PARTIAL_MESSAGE_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_CHUNK_STREAMS = 64;
/** Smallest buffer allocated for a message spread over several chunks, bytes. */
const MIN_ASSEMBLY_CAPACITY = 4096;
/** Longest chunk header: 3-byte basic header, 11-byte message header, 4-byte extended timestamp. */
const MAX_HEADER_LENGTH = 18;
const MESSAGE_HEADER_LENGTH = [11, 7, 3, 0] as const;

/** What the last header on one chunk stream established, plus the message being assembled on it. */
interface ReceivedChunkStream {
  timestamp: number;
  /** Last timestamp field of a type 0/1/2 header: absolute for type 0, a delta otherwise. */
  timestampField: number;
  /** The last type 0/1/2 header used the extended timestamp, so type 3 headers carry one too. */
  extended: boolean;
  length: number;
  typeId: number;
  messageStreamId: number;
  /** Bytes received of the current message; undefined between messages. */
  received: number | undefined;
  /** The current message spans several chunks and counts against maxPartialMessages. */
  spansChunks: boolean;
  /** Assembly buffer of a multi-chunk message, grown as bytes arrive. */
  assembly: Buffer | undefined;
}

/** One chunk stream of a {@link ChunkReaderSnapshot}: its last header fields and the message being received on it. */
export interface ChunkStreamSnapshot {
  readonly chunkStreamId: number;
  readonly timestamp: number;
  readonly timestampField: number;
  readonly extended: boolean;
  readonly length: number;
  readonly typeId: number;
  readonly messageStreamId: number;
  /** The message being received, if any: whether it spans chunks, and its bytes received so far (multi-chunk messages only). */
  readonly partial?: { readonly received: number; readonly spansChunks: boolean; readonly bytes: Uint8Array };
}

/** Everything a {@link ChunkReader} knows, as structured-cloneable data (another process may continue the parse). */
export interface ChunkReaderSnapshot {
  readonly chunkSize: number;
  readonly chunkStreams: readonly ChunkStreamSnapshot[];
  /** Bytes pushed and not yet parsed. */
  readonly queued: Uint8Array;
  /** Chunk whose payload was being read: payload bytes still due. */
  readonly current?: { readonly chunkStreamId: number; readonly left: number };
}

/**
 * Incremental chunk stream parser (RTMP spec 5.3): `push()` any slice of the byte stream,
 * get back every message it completes.
 *
 * Set Chunk Size (type 1) and Abort (type 2) are applied here, as soon as they complete, because
 * they change how the very next bytes are parsed; they are still returned so the caller sees them.
 * A type 3 header that starts a new message reuses the last type 0/1/2 timestamp field as its
 * delta (FFmpeg's and librtmp's reading). Memory for a message grows with the bytes actually
 * received, never with its declared length. After a thrown RtmpProtocolError the stream is out
 * of sync: drop the connection.
 */
export class ChunkReader {
  readonly #queue = new ByteQueue();
  readonly #streams = new Map<number, ReceivedChunkStream>();
  readonly #maxMessageLength: number;
  readonly #maxPartialMessages: number;
  readonly #maxPartialMessageBytes: number;
  readonly #maxChunkStreams: number;
  readonly #minChunkSize: number;
  #chunkSize = DEFAULT_CHUNK_SIZE;
  #partialMessages = 0;
  /** Bytes allocated for the assembly buffers of the partial messages. */
  #partialBytes = 0;
  /** Chunk whose payload is being read: its stream and how many payload bytes are still due. */
  #current: { stream: ReceivedChunkStream; chunkStreamId: number; left: number } | undefined;

  constructor(limits: ChunkReaderLimits = {}) {
    this.#maxMessageLength = limits.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.#maxPartialMessages = limits.maxPartialMessages ?? DEFAULT_MAX_PARTIAL_MESSAGES;
    this.#maxPartialMessageBytes = limits.maxPartialMessageBytes ?? DEFAULT_MAX_PARTIAL_MESSAGE_BYTES;
    this.#maxChunkStreams = limits.maxChunkStreams ?? DEFAULT_MAX_CHUNK_STREAMS;
    this.#minChunkSize = limits.minChunkSize ?? 1;
  }

  /** The peer's current chunk size, bytes (128 until it sends Set Chunk Size). */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** The parse state, copied: a reader restored from it reads the rest of the byte stream as this one would. */
  snapshot(): ChunkReaderSnapshot {
    const chunkStreams = [...this.#streams].map(([chunkStreamId, s]): ChunkStreamSnapshot => {
      const { timestamp, timestampField, extended, length, typeId, messageStreamId } = s;
      const header = { chunkStreamId, timestamp, timestampField, extended, length, typeId, messageStreamId };
      if (s.received === undefined) return header;
      const bytes = s.spansChunks && s.assembly !== undefined ? new Uint8Array(s.assembly.subarray(0, s.received)) : new Uint8Array(0);
      return { ...header, partial: { received: s.received, spansChunks: s.spansChunks, bytes } };
    });
    const current = this.#current && { chunkStreamId: this.#current.chunkStreamId, left: this.#current.left };
    return { chunkSize: this.#chunkSize, chunkStreams, queued: new Uint8Array(this.#queue.peek(this.#queue.length)), ...(current && { current }) };
  }

  /**
   * A reader that continues the parse `snapshot` describes, under `limits`. The snapshot is checked
   * (field ranges, the limits, consistency); throws an Error saying what is wrong.
   */
  static restore(snapshot: ChunkReaderSnapshot, limits: ChunkReaderLimits = {}): ChunkReader {
    const reader = new ChunkReader(limits);
    reader.#restore(snapshot);
    return reader;
  }

  #restore(snapshot: ChunkReaderSnapshot): void {
    const bad = (what: string): Error => new Error(`invalid chunk reader snapshot: ${what}`);
    const { chunkSize, chunkStreams, queued, current } = snapshot;
    if (!isUint(chunkSize, MAX_CHUNK_SIZE) || chunkSize < Math.max(1, this.#minChunkSize)) throw bad(`chunk size ${String(chunkSize)}`);
    if (!Array.isArray(chunkStreams) || chunkStreams.length > this.#maxChunkStreams) throw bad('chunk streams');
    if (!(queued instanceof Uint8Array)) throw bad('queued bytes');
    this.#chunkSize = chunkSize;
    for (const cs of chunkStreams) {
      const id = cs.chunkStreamId;
      if (!isUint(id, 65599) || id < 2 || this.#streams.has(id)) throw bad(`chunk stream id ${String(id)}`);
      if (!isUint(cs.timestamp, 0xffffffff) || !isUint(cs.timestampField, 0xffffffff) || typeof cs.extended !== 'boolean') throw bad(`timestamp of chunk stream ${id}`);
      if (!isUint(cs.length, this.#maxMessageLength) || !isUint(cs.typeId, 255) || !isUint(cs.messageStreamId, 0xffffffff)) throw bad(`header of chunk stream ${id}`);
      const stream: ReceivedChunkStream = { ...pickHeader(cs), received: undefined, spansChunks: false, assembly: undefined };
      const partial = cs.partial;
      if (partial !== undefined) {
        const { received, spansChunks, bytes } = partial;
        if (!isUint(received, cs.length) || typeof spansChunks !== 'boolean' || !(bytes instanceof Uint8Array)) throw bad(`partial message of chunk stream ${id}`);
        if (received === cs.length && cs.length > 0) throw bad(`complete message left partial on chunk stream ${id}`);
        if (spansChunks ? bytes.length !== received : received !== 0 || bytes.length !== 0) throw bad(`partial bytes of chunk stream ${id}`);
        stream.received = received;
        if (spansChunks) {
          this.#startPartial(stream);
          if (received > 0) {
            if (this.#partialBytes + received > this.#maxPartialMessageBytes) throw bad('partial messages over maxPartialMessageBytes');
            stream.assembly = Buffer.from(bytes);
            this.#partialBytes += received;
          }
        }
      }
      this.#streams.set(id, stream);
    }
    if (current !== undefined) {
      const stream = this.#streams.get(current.chunkStreamId);
      if (stream?.received === undefined || !isUint(current.left, Math.min(chunkSize, stream.length - stream.received)) || current.left === 0) throw bad('current chunk');
      this.#current = { stream, chunkStreamId: current.chunkStreamId, left: current.left };
    }
    // A message started and not mid-chunk must be a multi-chunk one waiting for its next chunk header.
    for (const [id, stream] of this.#streams) {
      if (stream.received !== undefined && !stream.spansChunks && this.#current?.stream !== stream) throw bad(`single-chunk message of chunk stream ${id} outside the current chunk`);
    }
    this.#queue.push(Buffer.from(queued));
  }

  /** Parses as much as possible; returns the messages completed by these bytes, in order. */
  push(data: Buffer): RtmpMessage[] {
    this.#queue.push(data);
    const messages: RtmpMessage[] = [];
    for (;;) {
      if (this.#current === undefined && !this.#readHeader(messages)) return messages;
      if (this.#current !== undefined && !this.#readPayload(messages)) return messages;
    }
  }

  /** Reads one chunk header if it is all buffered; returns false when more bytes are needed. */
  #readHeader(messages: RtmpMessage[]): boolean {
    const available = this.#queue.length;
    if (available === 0) return false;
    const head = this.#queue.peek(Math.min(available, MAX_HEADER_LENGTH));
    const fmt = head[0]! >> 6;
    const low = head[0]! & 0x3f;
    const basicLength = low === 0 ? 2 : low === 1 ? 3 : 1;
    if (available < basicLength) return false;
    const chunkStreamId = low === 0 ? 64 + head[1]! : low === 1 ? 64 + head[1]! + (head[2]! << 8) : low;

    let stream = this.#streams.get(chunkStreamId);
    const messageHeaderLength = MESSAGE_HEADER_LENGTH[fmt as 0 | 1 | 2 | 3];
    if (available < basicLength + messageHeaderLength) return false;
    const field = fmt <= 2 ? head.readUIntBE(basicLength, 3) : 0;
    const extended = fmt <= 2 ? field === EXTENDED_TIMESTAMP : stream?.extended === true;
    const headerLength = basicLength + messageHeaderLength + (extended ? 4 : 0);
    if (available < headerLength) return false;
    const timestampField = extended ? head.readUInt32BE(basicLength + messageHeaderLength) : field;

    const continuing = stream?.received !== undefined;
    if (fmt !== 3 && continuing) {
      throw new RtmpProtocolError('BAD_CHUNK_HEADER', `type ${fmt} chunk header on chunk stream ${chunkStreamId} while a message is still incomplete`);
    }
    if (stream === undefined) {
      // A type 1 header may open a chunk stream (message stream 0, time 0, as FFmpeg assumes); types 2 and 3 lack the length.
      if (fmt >= 2) throw new RtmpProtocolError('BAD_CHUNK_HEADER', `type ${fmt} chunk header opens chunk stream ${chunkStreamId}`);
      if (this.#streams.size >= this.#maxChunkStreams) {
        throw new RtmpProtocolError('TOO_MANY_CHUNK_STREAMS', `peer uses more than ${this.#maxChunkStreams} chunk streams`);
      }
      stream = {
        timestamp: 0,
        timestampField: 0,
        extended: false,
        length: 0,
        typeId: 0,
        messageStreamId: 0,
        received: undefined,
        spansChunks: false,
        assembly: undefined,
      };
      this.#streams.set(chunkStreamId, stream);
    }

    if (fmt <= 1) {
      stream.length = head.readUIntBE(basicLength + 3, 3);
      stream.typeId = head[basicLength + 6]!;
      if (stream.length > this.#maxMessageLength) {
        throw new RtmpProtocolError('MESSAGE_TOO_LARGE', `message of ${stream.length} bytes on chunk stream ${chunkStreamId} exceeds ${this.#maxMessageLength}`);
      }
    }
    if (fmt === 0) stream.messageStreamId = head.readUInt32LE(basicLength + 7);
    if (fmt <= 2) {
      stream.timestampField = timestampField;
      stream.extended = extended;
      stream.timestamp = fmt === 0 ? timestampField : (stream.timestamp + timestampField) >>> 0;
    } else if (!continuing) {
      stream.timestamp = (stream.timestamp + stream.timestampField) >>> 0;
    }
    this.#queue.skip(headerLength);

    if (!continuing) {
      stream.received = 0;
      if (stream.length === 0) {
        this.#complete(chunkStreamId, stream, Buffer.alloc(0), messages);
        return true;
      }
      if (stream.length > this.#chunkSize) this.#startPartial(stream);
    }
    this.#current = { stream, chunkStreamId, left: Math.min(this.#chunkSize, stream.length - stream.received!) };
    return true;
  }

  /** Reads the current chunk's payload bytes that are buffered; returns false when more are needed. */
  #readPayload(messages: RtmpMessage[]): boolean {
    const current = this.#current!;
    const { stream, chunkStreamId } = current;
    if (!stream.spansChunks) {
      // Whole message in one chunk: hand out a view of the input, no assembly.
      if (this.#queue.length < current.left) return false;
      this.#current = undefined;
      this.#complete(chunkStreamId, stream, this.#queue.take(current.left), messages);
      return true;
    }
    while (current.left > 0 && this.#queue.length > 0) {
      const piece = this.#queue.takeContiguous(current.left);
      this.#append(stream, piece);
      current.left -= piece.length;
    }
    if (current.left > 0) return false;
    this.#current = undefined;
    if (stream.received === stream.length) {
      const payload = stream.assembly!;
      this.#endPartial(stream);
      this.#complete(chunkStreamId, stream, payload, messages);
    }
    return true;
  }

  #startPartial(stream: ReceivedChunkStream): void {
    if (this.#partialMessages >= this.#maxPartialMessages) {
      throw new RtmpProtocolError('TOO_MANY_PARTIAL_MESSAGES', `peer interleaves more than ${this.#maxPartialMessages} incomplete messages`);
    }
    this.#partialMessages++;
    stream.spansChunks = true;
  }

  #endPartial(stream: ReceivedChunkStream): void {
    this.#partialMessages--;
    this.#partialBytes -= stream.assembly?.length ?? 0;
    stream.spansChunks = false;
    stream.assembly = undefined;
  }

  /**
   * Copies received bytes into the message's assembly buffer, doubling it (up to the message length
   * and within what maxPartialMessageBytes leaves) when full.
   */
  #append(stream: ReceivedChunkStream, piece: Buffer): void {
    const received = stream.received!;
    const needed = received + piece.length;
    let assembly = stream.assembly;
    if (assembly === undefined || assembly.length < needed) {
      const current = assembly?.length ?? 0;
      const room = this.#maxPartialMessageBytes - (this.#partialBytes - current);
      if (needed > room) {
        throw new RtmpProtocolError('PARTIAL_MESSAGE_BYTES', `peer's incomplete messages would hold more than ${this.#maxPartialMessageBytes} bytes`);
      }
      const capacity = Math.min(stream.length, room, Math.max(needed, MIN_ASSEMBLY_CAPACITY, current * 2));
      this.#partialBytes += capacity - current;
      const grown = Buffer.allocUnsafe(capacity);
      assembly?.copy(grown, 0, 0, received);
      assembly = grown;
      stream.assembly = grown;
    }
    piece.copy(assembly, received);
    stream.received = needed;
  }

  #complete(chunkStreamId: number, stream: ReceivedChunkStream, payload: Buffer, messages: RtmpMessage[]): void {
    stream.received = undefined;
    const message: RtmpMessage = { chunkStreamId, timestamp: stream.timestamp, typeId: stream.typeId, messageStreamId: stream.messageStreamId, payload };
    if (message.typeId === MessageType.SET_CHUNK_SIZE) this.#setChunkSize(parseSetChunkSize(payload));
    else if (message.typeId === MessageType.ABORT) this.#abort(parseAbort(payload));
    messages.push(message);
  }

  #setChunkSize(size: number): void {
    if (size < this.#minChunkSize) throw new RtmpProtocolError('BAD_CHUNK_SIZE', `chunk size ${size} is below the ${this.#minChunkSize} bytes accepted`);
    this.#chunkSize = size;
  }

  #abort(chunkStreamId: number): void {
    const stream = this.#streams.get(chunkStreamId);
    if (stream?.received === undefined) return;
    if (stream.spansChunks) this.#endPartial(stream);
    stream.received = undefined;
  }
}

/** An integer in 0..max. */
function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function pickHeader(cs: ChunkStreamSnapshot): Pick<ReceivedChunkStream, 'timestamp' | 'timestampField' | 'extended' | 'length' | 'typeId' | 'messageStreamId'> {
  return { timestamp: cs.timestamp, timestampField: cs.timestampField, extended: cs.extended, length: cs.length, typeId: cs.typeId, messageStreamId: cs.messageStreamId };
}
