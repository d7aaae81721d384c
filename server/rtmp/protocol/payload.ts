/** A message or tag body: one Buffer, or parts that are written back to back without being concatenated first. */
export type Payload = Buffer | readonly Buffer[];

/** Total length of a payload, bytes. */
export function payloadLength(payload: Payload): number {
  if (Buffer.isBuffer(payload)) return payload.length;
  let length = 0;
  for (const part of payload) length += part.length;
  return length;
}

/** The payload as one Buffer: the Buffer itself, the only part, or a concatenation (one copy). */
export function payloadToBuffer(payload: Payload): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  return payload.length === 1 ? payload[0]! : Buffer.concat(payload);
}

/**
 * Reads a payload sequentially in slices of any size, so a writer can copy it into chunks, or
 * hand out views of it, without first concatenating the parts.
 */
export class PayloadCursor {
  readonly #parts: readonly Buffer[];
  #index = 0;
  #offset = 0;

  constructor(payload: Payload) {
    this.#parts = Buffer.isBuffer(payload) ? [payload] : payload;
  }

  /** Copies the next `length` bytes into `target` at `targetOffset`; returns the offset after them. */
  copyTo(target: Buffer, targetOffset: number, length: number): number {
    let position = targetOffset;
    let left = length;
    while (left > 0) {
      const part = this.#parts[this.#index];
      if (part === undefined) throw new Error('PayloadCursor: read past the end of the payload');
      const copied = part.copy(target, position, this.#offset, Math.min(part.length, this.#offset + left));
      position += copied;
      left -= copied;
      this.#advance(copied, part.length);
    }
    return position;
  }

  /** Appends the next `length` bytes to `out` as views of the payload, no copy: one per part they touch, none empty. */
  viewsTo(out: Buffer[], length: number): void {
    let left = length;
    while (left > 0) {
      const part = this.#parts[this.#index];
      if (part === undefined) throw new Error('PayloadCursor: read past the end of the payload');
      const size = Math.min(part.length - this.#offset, left);
      // A whole part goes out as itself: one Buffer object fewer than an identical subarray.
      if (size > 0) out.push(size === part.length ? part : part.subarray(this.#offset, this.#offset + size));
      left -= size;
      this.#advance(size, part.length);
    }
  }

  #advance(size: number, partLength: number): void {
    this.#offset += size;
    if (this.#offset === partLength) {
      this.#index++;
      this.#offset = 0;
    }
  }
}
