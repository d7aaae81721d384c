/**
 * Deterministic pseudo-random numbers (xorshift32): the same seed gives the same sequence, so an
 * impaired run or a fuzz case reproduces from its seed. Not for anything secret.
 */
export class Xorshift32 {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1; // 0 is xorshift's only fixed point
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state ^= this.#state << 13;
    this.#state ^= this.#state >>> 17;
    this.#state ^= this.#state << 5;
    return (this.#state >>> 0) / 2 ** 32;
  }
}
