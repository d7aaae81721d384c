/** Retry policy of a push (settings rtmp_push_retry_*). */
export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  initialDelayMs: number;
  /** Cap of the exponential growth, ms. */
  maxDelayMs: number;
  /** Retries before giving up; 0 = forever. */
  maxAttempts: number;
}

/**
 * Delay before retry number `attempt` (1-based): doubling from the initial delay up to the cap,
 * with ±20 % jitter so many pushes cut by one outage do not reconnect in lockstep.
 * Returns undefined when the attempts are used up.
 */
export function retryDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number | undefined {
  if (policy.maxAttempts > 0 && attempt > policy.maxAttempts) return undefined;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}
