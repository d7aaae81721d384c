import type { HostCheck } from '../access/outbound-policy';
import type { Logger } from '../log';

/** A POST that takes longer than this is abandoned, ms. */
const REQUEST_TIMEOUT_MS = 5000;
/** Notifications waiting beyond this are dropped, oldest first (a dead receiver must not grow memory). */
const MAX_QUEUE = 1000;
/** On shutdown, queued notifications get this long to go out, ms. */
const CLOSE_FLUSH_MS = 2000;
/** Failures are logged at most this often, ms. */
const FAILURE_LOG_INTERVAL_MS = 30_000;

/**
 * Sends a POST with a JSON body (a transponder, as the API shows it) to the configured URL on every
 * state change, one at a time so the receiver sees them in order. Delivery is best effort: a slow
 * or failing receiver delays and drops notifications, never the pushes themselves.
 */
export class StateWebhook {
  readonly #url: string;
  readonly #outbound: HostCheck | undefined;
  readonly #log: Logger;
  readonly #queue: string[] = [];
  #sending: Promise<void> | undefined;
  #closed = false;
  /** Abandons the POST in flight when close() has waited long enough. */
  readonly #abort = new AbortController();
  #lastFailureLog = -Infinity;
  /** Notifications dropped because the queue was full. */
  dropped = 0;

  /** `outbound` checks the URL's host before each POST (the outbound policy). */
  constructor(url: string, logger: Logger, outbound?: HostCheck) {
    this.#url = url;
    this.#outbound = outbound;
    this.#log = logger.child({ component: 'webhook', url });
  }

  /** Queues one notification. */
  notify(body: object): void {
    if (this.#closed) return;
    if (this.#queue.length >= MAX_QUEUE) {
      this.#queue.shift();
      this.dropped++;
    }
    this.#queue.push(JSON.stringify(body));
    this.#sending ??= this.#drain();
  }

  /** Lets queued notifications go out for up to 2 s (the last 'stopped' states at shutdown), then abandons the rest. */
  async close(): Promise<void> {
    if (this.#sending) await Promise.race([this.#sending, new Promise((resolve) => setTimeout(resolve, CLOSE_FLUSH_MS).unref())]);
    this.#closed = true;
    this.#queue.length = 0;
    // A POST still running would otherwise fail (and be logged) up to 5 s after close() returned.
    this.#abort.abort();
    await this.#sending;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const body = this.#queue.shift()!;
      try {
        await this.#outbound?.check(new URL(this.#url).hostname);
        const response = await fetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          // A 3xx is an answer, not a new target: the outbound policy checked this URL, not another.
          redirect: 'manual',
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
        await response.body?.cancel();
        if (!response.ok) this.#failed(`HTTP ${response.status}`);
      } catch (err) {
        this.#failed((err as Error).message);
      }
    }
    this.#sending = undefined;
  }

  #failed(reason: string): void {
    const now = performance.now();
    if (now - this.#lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.#lastFailureLog = now;
    this.#log.warn({ reason }, 'state webhook delivery failed');
  }
}
