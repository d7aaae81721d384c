/**
 * Writes bits MSB-first into a growing byte array; `toBuffer()` pads the last byte with zero bits
 * (byte alignment as AAC and H.264 define it).
 */
export class BitWriter {
  readonly #bytes: number[] = [];
  /** Bits already used in the last byte of #bytes (0 = start a new byte). */
  #bitsInLastByte = 0;

  /** Appends the low `count` bits (0..32) of `value`, most significant first. */
  writeBits(value: number, count: number): this {
    for (let bit = count - 1; bit >= 0; bit--) {
      if (this.#bitsInLastByte === 0) this.#bytes.push(0);
      const set = Math.floor(value / 2 ** bit) % 2;
      this.#bytes[this.#bytes.length - 1] |= set << (7 - this.#bitsInLastByte);
      this.#bitsInLastByte = (this.#bitsInLastByte + 1) & 7;
    }
    return this;
  }

  /** Appends one bit. */
  writeFlag(flag: boolean): this {
    return this.writeBits(flag ? 1 : 0, 1);
  }

  /** The bytes written so far, the last one zero-padded. */
  toBuffer(): Buffer {
    return Buffer.from(this.#bytes);
  }
}
