import { ByteQueue } from './byte-queue';
import { RtmpProtocolError } from './errors';
import { PayloadCursor, type Payload, payloadLength } from './payload';

/**
 * The FLV container (FLV spec v10, E.2–E.3): a 9-byte file header, then PreviousTagSize0 and
 * tags, each followed by its size. Used to read `ffmpeg -f flv pipe:1` output and to write
 * recordings and test files.
 */

/** FLV tag types. */
export const FlvTagType = { AUDIO: 8, VIDEO: 9, SCRIPT_DATA: 18 } as const;

/** The FLV file header. */
export interface FlvFileHeader {
  readonly version: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

/** One FLV tag. */
export interface FlvTag {
  /** Tag type (8 audio, 9 video, 18 script data); the filter bit is stripped. */
  readonly type: number;
  /** Timestamp, ms (24 bits plus the extension byte as the top 8 bits). */
  readonly timestamp: number;
  /** Stream id (always 0 in files). */
  readonly streamId: number;
  /** Tag body: an FLV audio/video tag body or AMF0 script data. */
  readonly body: Buffer;
}

const FILE_HEADER_LENGTH = 9;
const TAG_HEADER_LENGTH = 11;
const PREVIOUS_TAG_SIZE_LENGTH = 4;
const FLAG_AUDIO = 0x04;
const FLAG_VIDEO = 0x01;

/**
 * Incremental FLV reader: `push()` any slice of the stream, get the tags it completes.
 * Memory grows only with bytes received (a tag header cannot declare more than 16 MiB).
 * Throws RtmpProtocolError('FLV_BAD_HEADER') when the stream does not start with an FLV header.
 */
export class FlvStreamParser {
  readonly #queue = new ByteQueue();
  #header: FlvFileHeader | undefined;
  /** Bytes still to discard: the rest of an oversized file header, then PreviousTagSize0. */
  #skip = 0;

  /** The file header, once received. */
  get header(): FlvFileHeader | undefined {
    return this.#header;
  }

  /** Parses as much as possible; returns the tags completed by these bytes, in order. */
  push(data: Buffer): FlvTag[] {
    this.#queue.push(data);
    const tags: FlvTag[] = [];
    if (this.#header === undefined && !this.#readFileHeader()) return tags;
    for (;;) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, this.#queue.length);
        this.#queue.skip(skipped);
        this.#skip -= skipped;
        if (this.#skip > 0) return tags;
      }
      if (this.#queue.length < TAG_HEADER_LENGTH) return tags;
      const header = this.#queue.peek(TAG_HEADER_LENGTH);
      const size = header.readUIntBE(1, 3);
      if (this.#queue.length < TAG_HEADER_LENGTH + size) return tags;
      this.#queue.skip(TAG_HEADER_LENGTH);
      tags.push({
        type: header[0]! & 0x1f,
        timestamp: (header.readUIntBE(4, 3) | (header[7]! << 24)) >>> 0,
        streamId: header.readUIntBE(8, 3),
        body: this.#queue.take(size),
      });
      this.#skip = PREVIOUS_TAG_SIZE_LENGTH;
    }
  }

  #readFileHeader(): boolean {
    const signature = this.#queue.peek(Math.min(3, this.#queue.length)).toString('latin1');
    if (!'FLV'.startsWith(signature)) throw new RtmpProtocolError('FLV_BAD_HEADER', `stream starts with ${JSON.stringify(signature)}, not "FLV"`, 0);
    if (this.#queue.length < FILE_HEADER_LENGTH) return false;
    const header = this.#queue.take(FILE_HEADER_LENGTH);
    const dataOffset = header.readUInt32BE(5);
    if (dataOffset < FILE_HEADER_LENGTH) throw new RtmpProtocolError('FLV_BAD_HEADER', `FLV data offset ${dataOffset} is inside the header`, 5);
    this.#header = { version: header[3]!, hasAudio: (header[4]! & FLAG_AUDIO) !== 0, hasVideo: (header[4]! & FLAG_VIDEO) !== 0 };
    this.#skip = dataOffset - FILE_HEADER_LENGTH + PREVIOUS_TAG_SIZE_LENGTH;
    return true;
  }
}

/** FLV file header (version 1) followed by PreviousTagSize0, 13 bytes. */
export function buildFlvHeader(tracks: { readonly audio: boolean; readonly video: boolean }): Buffer {
  const header = Buffer.alloc(FILE_HEADER_LENGTH + PREVIOUS_TAG_SIZE_LENGTH);
  header.write('FLV', 0, 'latin1');
  header[3] = 1;
  header[4] = (tracks.audio ? FLAG_AUDIO : 0) | (tracks.video ? FLAG_VIDEO : 0);
  header.writeUInt32BE(FILE_HEADER_LENGTH, 5);
  return header;
}

/** One FLV tag followed by its PreviousTagSize; timestamp in ms, modulo 2^32. Throws RtmpProtocolError for bodies over 16 MiB - 1. */
export function buildFlvTag(type: number, timestampMs: number, body: Payload): Buffer {
  const size = payloadLength(body);
  if (size > 0xffffff) throw new RtmpProtocolError('FLV_BAD_VALUE', `FLV tag body of ${size} bytes exceeds 16 MiB - 1`);
  const timestamp = Math.floor(timestampMs) >>> 0;
  const tag = Buffer.allocUnsafe(TAG_HEADER_LENGTH + size + PREVIOUS_TAG_SIZE_LENGTH);
  tag[0] = type;
  tag.writeUIntBE(size, 1, 3);
  tag.writeUIntBE(timestamp & 0xffffff, 4, 3);
  tag[7] = timestamp >>> 24;
  tag.writeUIntBE(0, 8, 3);
  new PayloadCursor(body).copyTo(tag, TAG_HEADER_LENGTH, size);
  tag.writeUInt32BE(TAG_HEADER_LENGTH + size, TAG_HEADER_LENGTH + size);
  return tag;
}
