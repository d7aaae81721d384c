import { RtmpProtocolError } from './errors';

/**
 * AMF0 (Action Message Format, version 0) as used by RTMP commands and FLV script data.
 *
 * JavaScript mapping: number ↔ Number, boolean ↔ Boolean, string ↔ String / Long String
 * (chosen by UTF-8 length), null ↔ Null, undefined ↔ Undefined, Date ↔ Date (the time zone
 * field is written as 0 and ignored on read), array ↔ Strict Array, plain object ↔ Object,
 * {@link AmfEcmaArray} ↔ ECMA Array. Decoded objects have a null prototype, so a hostile
 * `__proto__` key is an ordinary property.
 */
export type AmfValue = number | boolean | string | null | undefined | Date | AmfObject | AmfEcmaArray | readonly AmfValue[];

/** An AMF0 anonymous Object: string keys to values. */
export interface AmfObject {
  [key: string]: AmfValue;
}

/** An AMF0 ECMA Array (associative array), the form onMetaData uses; wraps its properties. */
export class AmfEcmaArray {
  constructor(readonly properties: AmfObject) {}
}

/** AMF0 type markers (the first byte of every encoded value). */
export const Amf0Marker = {
  NUMBER: 0x00,
  BOOLEAN: 0x01,
  STRING: 0x02,
  OBJECT: 0x03,
  NULL: 0x05,
  UNDEFINED: 0x06,
  ECMA_ARRAY: 0x08,
  OBJECT_END: 0x09,
  STRICT_ARRAY: 0x0a,
  DATE: 0x0b,
  LONG_STRING: 0x0c,
  UNSUPPORTED: 0x0d,
  XML_DOCUMENT: 0x0f,
  TYPED_OBJECT: 0x10,
} as const;

/** Decoder limits. */
export interface Amf0DecodeOptions {
  /** Maximum nesting of objects and arrays; default 32. */
  readonly maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 32;
const MAX_SHORT_STRING_BYTES = 0xffff;

/** Encodes values back to back (e.g. a command: name, transaction id, command object, arguments). */
export function encodeAmf0(...values: readonly AmfValue[]): Buffer {
  const writer = new Amf0Writer();
  for (const value of values) writer.value(value, 0);
  return writer.finish();
}

/** Decodes one value at `offset`; returns it with the offset just after it. Throws RtmpProtocolError on malformed input. */
export function decodeAmf0(buffer: Buffer, offset = 0, options: Amf0DecodeOptions = {}): { value: AmfValue; offset: number } {
  const reader = new Amf0Reader(buffer, offset, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const value = reader.value(0);
  return { value, offset: reader.position };
}

/** Decodes every value in `buffer` (a command or data message body). Throws RtmpProtocolError on malformed input. */
export function decodeAmf0Sequence(buffer: Buffer, options: Amf0DecodeOptions = {}): AmfValue[] {
  const reader = new Amf0Reader(buffer, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const values: AmfValue[] = [];
  while (reader.position < buffer.length) values.push(reader.value(0));
  return values;
}

/** True for a plain AMF object (not null, an array, a Date or an ECMA array). */
export function isAmfObject(value: AmfValue): value is AmfObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof AmfEcmaArray);
}

class Amf0Reader {
  position: number;

  constructor(
    private readonly buffer: Buffer,
    offset: number,
    private readonly maxDepth: number,
  ) {
    this.position = offset;
  }

  value(depth: number): AmfValue {
    const markerAt = this.position;
    const marker = this.u8();
    switch (marker) {
      case Amf0Marker.NUMBER:
        return this.double();
      case Amf0Marker.BOOLEAN:
        return this.u8() !== 0;
      case Amf0Marker.STRING:
        return this.utf8(this.u16());
      case Amf0Marker.LONG_STRING:
      case Amf0Marker.XML_DOCUMENT:
        return this.utf8(this.u32());
      case Amf0Marker.NULL:
        return null;
      case Amf0Marker.UNDEFINED:
      case Amf0Marker.UNSUPPORTED:
        return undefined;
      case Amf0Marker.DATE: {
        const time = this.double();
        this.need(2); // time zone: reserved, always 0
        this.position += 2;
        return new Date(time);
      }
      case Amf0Marker.OBJECT:
        return this.properties(this.deeper(depth, markerAt), false);
      case Amf0Marker.TYPED_OBJECT:
        this.utf8(this.u16()); // class name: not represented
        return this.properties(this.deeper(depth, markerAt), false);
      case Amf0Marker.ECMA_ARRAY: {
        const declaredCount = this.u32();
        return new AmfEcmaArray(this.properties(this.deeper(depth, markerAt), true, declaredCount));
      }
      case Amf0Marker.STRICT_ARRAY:
        return this.strictArray(this.deeper(depth, markerAt));
      default:
        throw new RtmpProtocolError('AMF_BAD_TYPE', `unsupported AMF0 marker 0x${marker.toString(16).padStart(2, '0')}`, markerAt);
    }
  }

  private deeper(depth: number, at: number): number {
    if (depth >= this.maxDepth) throw new RtmpProtocolError('AMF_TOO_DEEP', `AMF0 nesting deeper than ${this.maxDepth}`, at);
    return depth + 1;
  }

  /**
   * Key/value pairs up to the object-end marker. Some encoders omit the end marker after
   * an ECMA array's last property at the end of the data; that is accepted when the
   * declared count has been read.
   */
  private properties(depth: number, isEcmaArray: boolean, declaredCount = 0): AmfObject {
    const object: AmfObject = Object.create(null) as AmfObject;
    let count = 0;
    for (;;) {
      if (isEcmaArray && this.position === this.buffer.length && count >= declaredCount) return object;
      const key = this.utf8(this.u16());
      if (key === '' && this.peekU8() === Amf0Marker.OBJECT_END) {
        this.position++;
        return object;
      }
      object[key] = this.value(depth);
      count++;
    }
  }

  private strictArray(depth: number): AmfValue[] {
    const countAt = this.position;
    const count = this.u32();
    // Every element takes at least one byte: reject impossible counts before looping on them.
    if (count > this.buffer.length - this.position) {
      throw new RtmpProtocolError('AMF_TRUNCATED', `AMF0 strict array of ${count} elements in ${this.buffer.length - this.position} bytes`, countAt);
    }
    const array: AmfValue[] = [];
    for (let i = 0; i < count; i++) array.push(this.value(depth));
    return array;
  }

  private need(size: number): void {
    if (this.buffer.length - this.position < size) {
      throw new RtmpProtocolError('AMF_TRUNCATED', `AMF0 value needs ${size} more bytes, ${this.buffer.length - this.position} left`, this.position);
    }
  }

  private peekU8(): number {
    this.need(1);
    return this.buffer[this.position]!;
  }

  private u8(): number {
    const value = this.peekU8();
    this.position++;
    return value;
  }

  private u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.position);
    this.position += 2;
    return value;
  }

  private u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.position);
    this.position += 4;
    return value;
  }

  private double(): number {
    this.need(8);
    const value = this.buffer.readDoubleBE(this.position);
    this.position += 8;
    return value;
  }

  private utf8(length: number): string {
    this.need(length);
    const text = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return text;
  }
}

/** Appends encoded values to a buffer that doubles when full. */
class Amf0Writer {
  #buffer = Buffer.allocUnsafe(256);
  #length = 0;

  finish(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  value(value: AmfValue, depth: number): void {
    if (value === null) return this.u8(Amf0Marker.NULL);
    if (value === undefined) return this.u8(Amf0Marker.UNDEFINED);
    switch (typeof value) {
      case 'number':
        this.u8(Amf0Marker.NUMBER);
        return this.double(value);
      case 'boolean':
        this.u8(Amf0Marker.BOOLEAN);
        return this.u8(value ? 1 : 0);
      case 'string':
        return this.string(value);
      case 'object':
        break;
      default:
        throw new RtmpProtocolError('AMF_UNENCODABLE', `cannot encode a ${typeof value} in AMF0`);
    }
    if (depth >= DEFAULT_MAX_DEPTH) throw new RtmpProtocolError('AMF_TOO_DEEP', `AMF0 nesting deeper than ${DEFAULT_MAX_DEPTH} (cyclic value?)`);
    if (value instanceof Date) {
      this.u8(Amf0Marker.DATE);
      this.double(value.getTime());
      return this.u16(0);
    }
    if (Array.isArray(value)) {
      this.u8(Amf0Marker.STRICT_ARRAY);
      this.u32(value.length);
      for (const element of value as readonly AmfValue[]) this.value(element, depth + 1);
      return;
    }
    if (value instanceof AmfEcmaArray) {
      this.u8(Amf0Marker.ECMA_ARRAY);
      this.u32(Object.keys(value.properties).length);
      return this.properties(value.properties, depth + 1);
    }
    this.u8(Amf0Marker.OBJECT);
    this.properties(value as AmfObject, depth + 1);
  }

  private properties(object: AmfObject, depth: number): void {
    for (const [key, value] of Object.entries(object)) {
      this.key(key);
      this.value(value, depth);
    }
    this.u16(0);
    this.u8(Amf0Marker.OBJECT_END);
  }

  private key(key: string): void {
    const length = Buffer.byteLength(key);
    if (length > MAX_SHORT_STRING_BYTES) throw new RtmpProtocolError('AMF_UNENCODABLE', `AMF0 property name of ${length} bytes (max 65535)`);
    this.u16(length);
    this.utf8(key, length);
  }

  private string(text: string): void {
    const length = Buffer.byteLength(text);
    if (length > MAX_SHORT_STRING_BYTES) {
      this.u8(Amf0Marker.LONG_STRING);
      this.u32(length);
    } else {
      this.u8(Amf0Marker.STRING);
      this.u16(length);
    }
    this.utf8(text, length);
  }

  private reserve(size: number): number {
    const at = this.#length;
    if (at + size > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, at + size));
      this.#buffer.copy(grown, 0, 0, at);
      this.#buffer = grown;
    }
    this.#length += size;
    return at;
  }

  private u8(value: number): void {
    const at = this.reserve(1); // before reading #buffer: reserve() may replace it
    this.#buffer[at] = value;
  }

  private u16(value: number): void {
    const at = this.reserve(2);
    this.#buffer.writeUInt16BE(value, at);
  }

  private u32(value: number): void {
    const at = this.reserve(4);
    this.#buffer.writeUInt32BE(value, at);
  }

  private double(value: number): void {
    const at = this.reserve(8);
    this.#buffer.writeDoubleBE(value, at);
  }

  private utf8(text: string, byteLength: number): void {
    const at = this.reserve(byteLength);
    this.#buffer.write(text, at, byteLength, 'utf8');
  }
}
