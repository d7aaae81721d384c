/** Kinds of event tracked at most by default; past this, the ones logged longest ago are forgotten first. */
const DEFAULT_MAX_KEYS = 10_000;

interface Seen {
  /** When its last line was logged, ms. */
  loggedAt: number;
  /** Occurrences since then, that one included. */
  count: number;
}

/**
 * Keeps an event that repeats (a client polling a route it may not call) from writing a log line
 * each time: the first occurrence of each kind is logged, then at most one line per `intervalMs`,
 * which tells how many times it happened since the line before. The table of kinds is bounded, so
 * a flood of distinct ones cannot grow it.
 */
export class RepeatSuppressor {
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #seen = new Map<string, Seen>();

  constructor(intervalMs: number, options: { readonly maxKeys?: number; readonly now?: () => number } = {}) {
    this.#intervalMs = intervalMs;
    this.#maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MAX_KEYS);
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * One occurrence of the event `key`. Returns undefined when it is only counted, else the
   * occurrences the line to log now stands for: 1 for a first (or one alone in its interval),
   * more when earlier ones were counted without a line.
   */
  occur(key: string): number | undefined {
    const now = this.#now();
    const seen = this.#seen.get(key);
    if (seen && now - seen.loggedAt < this.#intervalMs) {
      seen.count++;
      return undefined;
    }
    const count = (seen?.count ?? 0) + 1;
    // Logged most recently last: the Map's order is the eviction order.
    this.#seen.delete(key);
    if (this.#seen.size >= this.#maxKeys) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, { loggedAt: now, count: 0 });
    return count;
  }
}
