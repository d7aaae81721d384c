import { BitstreamError } from './bitstream-error';

/**
 * Reads a buffer MSB-first, bit by bit, including the Exp-Golomb codes of H.264 (ue(v), se(v)).
 * Every read past the end throws BitstreamError, never returns garbage.
 */
export class BitReader {
  readonly #data: Buffer;
  /** Position of the next bit to read, counted from the start of the buffer. */
  #bitPos = 0;

  constructor(data: Buffer) {
    this.#data = data;
  }

  /** Bits not read yet. */
  get bitsLeft(): number {
    return this.#data.length * 8 - this.#bitPos;
  }

  /** Reads `count` bits (0..32) as an unsigned integer. */
  readBits(count: number): number {
    if (count > this.bitsLeft) {
      throw new BitstreamError('BITSTREAM_OVERRUN', `read of ${count} bits past the end of a ${this.#data.length}-byte bitstream`);
    }
    let value = 0;
    while (count > 0) {
      const byte = this.#data[this.#bitPos >> 3];
      const bitOffset = this.#bitPos & 7;
      const take = Math.min(count, 8 - bitOffset);
      const bits = (byte >> (8 - bitOffset - take)) & ((1 << take) - 1);
      // Multiplication instead of << keeps values above 2^31 positive.
      value = value * (1 << take) + bits;
      this.#bitPos += take;
      count -= take;
    }
    return value;
  }

  /** Reads one bit as a boolean flag. */
  readFlag(): boolean {
    return this.readBits(1) === 1;
  }

  /** Skips `count` bits. */
  skipBits(count: number): void {
    if (count > this.bitsLeft) {
      throw new BitstreamError('BITSTREAM_OVERRUN', `skip of ${count} bits past the end of a ${this.#data.length}-byte bitstream`);
    }
    this.#bitPos += count;
  }

  /** Reads an unsigned Exp-Golomb code, ue(v) (H.264 9.1); values up to 2^32 - 2. */
  readUe(): number {
    let leadingZeros = 0;
    while (!this.readFlag()) {
      leadingZeros++;
      if (leadingZeros > 31) {
        throw new BitstreamError('EXP_GOLOMB_TOO_LONG', 'Exp-Golomb code longer than 32 bits');
      }
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  /** Reads a signed Exp-Golomb code, se(v) (H.264 9.1.1): 1, -1, 2, -2, … */
  readSe(): number {
    const codeNum = this.readUe();
    return codeNum % 2 === 1 ? (codeNum + 1) / 2 : 0 - codeNum / 2; // 0 - x, not -x: no -0
  }
}
