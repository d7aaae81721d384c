/**
 * Bits per second of growing byte counters (a push's bytes sent, a recording's bytes written), by
 * id. Each sample gives the rate since the previous one; samples closer than `minIntervalMs`
 * keep the previous rate (a rate over a few ms is noise), and a counter that went down (a new
 * push with the same id) starts again.
 */
export class BitrateMeter {
  readonly #minIntervalMs: number;
  readonly #last = new Map<string, { bytes: number; at: number; rate: number | null }>();

  constructor(minIntervalMs = 500) {
    this.#minIntervalMs = minIntervalMs;
  }

  /** Samples every counter at `at` (monotonic ms); counters not given are forgotten. Rates are null until a second sample. */
  sample(counters: Iterable<readonly [id: string, bytes: number]>, at: number): Map<string, number | null> {
    const rates = new Map<string, number | null>();
    const seen = new Set<string>();
    for (const [id, bytes] of counters) {
      seen.add(id);
      const last = this.#last.get(id);
      if (last !== undefined && bytes >= last.bytes && at - last.at < this.#minIntervalMs) {
        rates.set(id, last.rate);
        continue;
      }
      const rate = last !== undefined && bytes >= last.bytes ? Math.round(((bytes - last.bytes) * 8 * 1000) / (at - last.at)) : null;
      this.#last.set(id, { bytes, at, rate });
      rates.set(id, rate);
    }
    for (const id of this.#last.keys()) if (!seen.has(id)) this.#last.delete(id);
    return rates;
  }
}
