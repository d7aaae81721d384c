/** Deterministic pseudo-random numbers (xorshift32), so a failing fuzz case reproduces from its seed. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state ^= this.#state << 13;
    this.#state ^= this.#state >>> 17;
    this.#state ^= this.#state << 5;
    return (this.#state >>> 0) / 2 ** 32;
  }

  /** Integer in [0, max). */
  below(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** `length` random bytes, four per step. */
  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(Math.ceil(length / 4) * 4);
    for (let i = 0; i < out.length; i += 4) out.writeUInt32LE(Math.floor(this.next() * 2 ** 32), i);
    return out.subarray(0, length);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}
