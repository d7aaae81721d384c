import { BOX_HEADER_SIZE, LARGE_BOX_HEADER_SIZE } from './box';
import { Mp4FormatError } from './mp4-format-error';

/** Where one box lies in a buffer. */
export interface BoxSpan {
  readonly type: string;
  /** Offset of the box's first byte (its header). */
  readonly start: number;
  /** Offset of the payload, after the header. */
  readonly payload: number;
  /** Offset just past the box. */
  readonly end: number;
}

/** What a box header says: its type, its size (0: up to the end of the file), the header's own size. */
export interface BoxHeader {
  readonly type: string;
  readonly size: number;
  readonly headerSize: number;
}

/**
 * Reads the box header at `at` in `bytes` (8 bytes, 16 for a largesize); undefined when the header
 * is cut off. Throws Mp4FormatError MP4_BAD_BOX_SIZE, its message starting with `where`, for a size
 * smaller than the header.
 */
export function parseBoxHeader(bytes: Buffer, at: number, where: string): BoxHeader | undefined {
  if (bytes.length - at < BOX_HEADER_SIZE) return undefined;
  const size32 = bytes.readUInt32BE(at);
  const type = bytes.toString('latin1', at + 4, at + 8);
  if (size32 === 0) return { type, size: 0, headerSize: BOX_HEADER_SIZE };
  if (size32 !== 1) {
    if (size32 < BOX_HEADER_SIZE) throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${where}: '${type}' box claims ${size32} bytes, less than its header`);
    return { type, size: size32, headerSize: BOX_HEADER_SIZE };
  }
  if (bytes.length - at < LARGE_BOX_HEADER_SIZE) return undefined;
  const size = bytes.readBigUInt64BE(at + 8);
  if (size < LARGE_BOX_HEADER_SIZE || size > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${where}: '${type}' box claims an impossible largesize ${size}`);
  }
  return { type, size: Number(size), headerSize: LARGE_BOX_HEADER_SIZE };
}

/** The boxes filling `buf` from `start` to `end`, each checked to fit inside. Throws Mp4FormatError MP4_BAD_BOX_SIZE. */
export function childBoxes(buf: Buffer, start: number, end: number, where: string): BoxSpan[] {
  const children: BoxSpan[] = [];
  const bytes = buf.subarray(0, end);
  for (let at = start; at < end; ) {
    const header = parseBoxHeader(bytes, at, `${where}, offset ${at}`);
    if (header === undefined) throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${where}: ${end - at} bytes at byte ${at} are too few for a box header`);
    const size = header.size === 0 ? end - at : header.size;
    if (size > end - at) throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${where}: '${header.type}' box of ${size} bytes at byte ${at} overruns its parent, which ends at byte ${end}`);
    children.push({ type: header.type, start: at, payload: at + header.headerSize, end: at + size });
    at += size;
  }
  return children;
}

/** The first child of type `type`; throws Mp4FormatError MP4_MISSING_BOX when there is none. */
export function requiredChild(children: readonly BoxSpan[], type: string, where: string): BoxSpan {
  const found = children.find((child) => child.type === type);
  if (!found) throw new Mp4FormatError('MP4_MISSING_BOX', `${where} has no '${type}' box`);
  return found;
}

/**
 * Reads big-endian fields from a box payload without ever reading past its end: a field that
 * does not fit throws Mp4FormatError MP4_BAD_BOX_SIZE naming the box.
 */
export class FieldReader {
  readonly #buf: Buffer;
  readonly #end: number;
  readonly #where: string;
  #at: number;

  constructor(buf: Buffer, span: Pick<BoxSpan, 'payload' | 'end'>, where: string) {
    this.#buf = buf;
    this.#at = span.payload;
    this.#end = span.end;
    this.#where = where;
  }

  /** Bytes left in the box. */
  get remaining(): number {
    return this.#end - this.#at;
  }

  u8(): number {
    return this.#buf.readUInt8(this.#take(1));
  }

  u16(): number {
    return this.#buf.readUInt16BE(this.#take(2));
  }

  u32(): number {
    return this.#buf.readUInt32BE(this.#take(4));
  }

  i32(): number {
    return this.#buf.readInt32BE(this.#take(4));
  }

  /** A 64-bit field; throws when it exceeds Number.MAX_SAFE_INTEGER. */
  u64(): number {
    const value = this.#buf.readBigUInt64BE(this.#take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4FormatError('MP4_UNSUPPORTED', `${this.#where}: 64-bit value ${value} is too large`);
    return Number(value);
  }

  /** A 32- or 64-bit field, as the box version says. */
  uVersioned(version: number): number {
    return version === 1 ? this.u64() : this.u32();
  }

  skip(count: number): void {
    this.#take(count);
  }

  /** Throws unless `count` fields of `bytesEach` bytes fit in what is left (checked before allocating for them). */
  expectRoom(count: number, bytesEach: number, what: string): void {
    if (count * bytesEach > this.remaining) {
      throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${this.#where}: ${count} ${what} of ${bytesEach} bytes do not fit the ${this.remaining} bytes left`);
    }
  }

  #take(count: number): number {
    if (count > this.remaining) throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${this.#where}: box ends before a ${count}-byte field at byte ${this.#at}`);
    const at = this.#at;
    this.#at += count;
    return at;
  }
}
