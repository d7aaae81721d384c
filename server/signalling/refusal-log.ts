import type { Logger } from '../log';
import type { LimitName } from '../metrics/limits';

/** At most one line per limit this often, ms: a flood of refusals must not become a flood of log lines. */
const LOG_INTERVAL_MS = 1000;

/**
 * Logs refusals at a limit, one line per limit per second at most; the line counts those left out
 * since the previous one (the metrics count every refusal).
 */
export class RefusalLog {
  readonly #log: Logger;
  readonly #last = new Map<LimitName, { at: number; suppressed: number }>();

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Logs (or counts for the next line) one refusal of a client at `remoteAddress`. */
  refused(limit: LimitName, remoteAddress: string, reason: string): void {
    const now = performance.now();
    const last = this.#last.get(limit);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    this.#log.warn({ limit, remoteAddress, reason, suppressed: last?.suppressed ?? 0 }, 'connection refused at a limit');
    this.#last.set(limit, { at: now, suppressed: 0 });
  }
}
