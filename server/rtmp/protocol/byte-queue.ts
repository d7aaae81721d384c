/**
 * A FIFO of received bytes kept as the Buffers they arrived in, so incremental parsers
 * never re-concatenate everything buffered so far (which is quadratic on large messages).
 * Reads that fall inside one received Buffer are zero-copy views of it.
 */
export class ByteQueue {
  readonly #parts: Buffer[] = [];
  /** Bytes of `#parts[0]` already consumed. */
  #head = 0;
  #length = 0;

  /** Bytes buffered and not yet consumed. */
  get length(): number {
    return this.#length;
  }

  /** Appends received bytes (kept by reference: the caller must not modify them afterwards). */
  push(data: Buffer): void {
    if (data.length === 0) return;
    this.#parts.push(data);
    this.#length += data.length;
  }

  /** The first `size` bytes (size <= length) without consuming them: a view when contiguous, else a copy. */
  peek(size: number): Buffer {
    if (size > this.#length) throw new Error(`ByteQueue: peek(${size}) with only ${this.#length} bytes buffered`);
    const first = this.#parts[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length - this.#head >= size) return first.subarray(this.#head, this.#head + size);
    const out = Buffer.allocUnsafe(size);
    let written = first.copy(out, 0, this.#head);
    for (let i = 1; written < size; i++) {
      const part = this.#parts[i]!;
      written += part.copy(out, written, 0, Math.min(part.length, size - written));
    }
    return out;
  }

  /** Consumes and returns `size` bytes (size <= length): a view when contiguous, else a copy. */
  take(size: number): Buffer {
    const bytes = this.peek(size);
    this.skip(size);
    return bytes;
  }

  /** Consumes and returns at most `maxSize` bytes from the oldest received Buffer only (always a view). */
  takeContiguous(maxSize: number): Buffer {
    const first = this.#parts[0];
    if (first === undefined || maxSize <= 0) return Buffer.alloc(0);
    const size = Math.min(maxSize, first.length - this.#head);
    const bytes = first.subarray(this.#head, this.#head + size);
    this.skip(size);
    return bytes;
  }

  /** Discards `size` bytes (at most what is buffered). */
  skip(size: number): void {
    let left = Math.min(size, this.#length);
    this.#length -= left;
    while (left > 0) {
      const first = this.#parts[0]!;
      const available = first.length - this.#head;
      if (left < available) {
        this.#head += left;
        return;
      }
      left -= available;
      this.#parts.shift();
      this.#head = 0;
    }
  }

  /** Consumes everything buffered and returns it as one Buffer. */
  drain(): Buffer {
    return this.take(this.#length);
  }
}
