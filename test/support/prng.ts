import { Xorshift32 } from '../../bench/prng';

/** The bench's seeded generator with the helpers fuzz tests use, so a failing fuzz case reproduces from its seed. */
export class Prng extends Xorshift32 {
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
