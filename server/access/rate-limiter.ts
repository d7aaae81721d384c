/** Clients tracked at most; past this, the quietest entries are forgotten first. */
const MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Requests per client address, as a token bucket: `ratePerSecond` on average, bursts of
 * `burst`. The table of clients is bounded, so a flood of addresses cannot grow it.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** `ratePerSecond` 0 lets everything through. */
  constructor(ratePerSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, burst);
    this.#now = now;
  }

  /** Takes one request of `client`: 0 when it may go on, else the ms to wait before the next one is allowed. */
  take(client: string): number {
    if (this.#rate <= 0) return 0;
    const now = this.#now();
    let bucket = this.#buckets.get(client);
    if (bucket) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) * this.#rate) / 1000);
      bucket.at = now;
      // Most recently used last: the Map's order is the eviction order.
      this.#buckets.delete(client);
    } else {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= MAX_CLIENTS) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.#rate);
  }

  /** Clients tracked now. */
  get size(): number {
    return this.#buckets.size;
  }
}
