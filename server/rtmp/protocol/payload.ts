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
 * Reads a payload sequentially in slices of any size, so a writer can copy it into
 * chunks without first concatenating the parts.
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
      this.#offset += copied;
      if (this.#offset === part.length) {
        this.#index++;
        this.#offset = 0;
      }
    }
    return position;
  }
}
