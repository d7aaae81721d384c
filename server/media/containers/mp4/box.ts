/** Bytes of a box header with a 32-bit size, and with a 64-bit largesize. */
export const BOX_HEADER_SIZE = 8;
export const LARGE_BOX_HEADER_SIZE = 16;

/** Largest value of an unsigned 32-bit field. */
export const UINT32_MAX = 0xffff_ffff;

/** A box (ISO/IEC 14496-12 4.2): 32-bit size, four-character type, then the payload parts in order. */
export function box(type: string, ...payload: readonly Buffer[]): Buffer {
  const size = payload.reduce((sum, part) => sum + part.length, BOX_HEADER_SIZE);
  if (size > UINT32_MAX) throw new RangeError(`a '${type}' box of ${size} bytes needs a largesize header`);
  return Buffer.concat([boxHeader(type, size), ...payload], size);
}

/** A full box: a box whose payload starts with an 8-bit version and 24-bit flags. */
export function fullBox(type: string, version: number, flags: number, ...payload: readonly Buffer[]): Buffer {
  return box(type, uint32((version << 24) | flags), ...payload);
}

/**
 * The header of a box of `size` bytes in all (header included); a 16-byte header with a 64-bit
 * largesize when it does not fit 32 bits or when `large` asks for it.
 */
export function boxHeader(type: string, size: number, large = size > UINT32_MAX): Buffer {
  if (type.length !== 4) throw new RangeError(`box type '${type}' is not four characters`);
  const header = Buffer.alloc(large ? LARGE_BOX_HEADER_SIZE : BOX_HEADER_SIZE);
  header.write(type, 4, 'latin1');
  if (large) {
    header.writeUInt32BE(1, 0);
    header.writeBigUInt64BE(BigInt(size), 8);
  } else {
    header.writeUInt32BE(size, 0);
  }
  return header;
}

/** The header of an `mdat` holding `payloadSize` bytes: a largesize header when the box passes 4 GiB. */
export function mdatHeader(payloadSize: number): Buffer {
  const large = BOX_HEADER_SIZE + payloadSize > UINT32_MAX;
  return boxHeader('mdat', (large ? LARGE_BOX_HEADER_SIZE : BOX_HEADER_SIZE) + payloadSize, large);
}

/** Big-endian unsigned 8-bit fields, one per value. */
export function uint8(...values: readonly number[]): Buffer {
  return Buffer.from(values);
}

/** Big-endian unsigned 16-bit fields, one per value. */
export function uint16(...values: readonly number[]): Buffer {
  const out = Buffer.alloc(2 * values.length);
  values.forEach((value, i) => out.writeUInt16BE(value, 2 * i));
  return out;
}

/** Big-endian unsigned 32-bit fields, one per value. */
export function uint32(...values: readonly number[]): Buffer {
  return uint32Table(values);
}

/** A table of big-endian unsigned 32-bit fields (no spread: tables may hold millions of values). */
export function uint32Table(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(4 * values.length);
  for (let i = 0; i < values.length; i++) out.writeUInt32BE(values[i]!, 4 * i);
  return out;
}

/** Big-endian unsigned 64-bit fields, one per value (safe integers). */
export function uint64(...values: readonly number[]): Buffer {
  const out = Buffer.alloc(8 * values.length);
  values.forEach((value, i) => out.writeBigUInt64BE(BigInt(value), 8 * i));
  return out;
}

/** `count` zero bytes (reserved and pre_defined fields). */
export function zeros(count: number): Buffer {
  return Buffer.alloc(count);
}

/** The unity transformation matrix of mvhd and tkhd (16.16 and 2.30 fixed point). */
export const UNITY_MATRIX = uint32(0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000);
