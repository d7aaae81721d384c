import { retryDelay } from '../../../server/push/backoff';

describe('retryDelay', () => {
  const policy = { initialDelayMs: 1000, maxDelayMs: 30_000, maxAttempts: 0 };
  const middle = (): number => 0.5; // no jitter

  test('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(policy, n, middle))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(retryDelay(policy, 1000, middle)).toBe(30000);
  });

  test('jitters by ±20 %', () => {
    expect(retryDelay(policy, 1, () => 0)).toBe(800);
    expect(retryDelay(policy, 1, () => 0.999999)).toBe(1200);
  });

  test('gives up after maxAttempts (0 = forever)', () => {
    const limited = { ...policy, maxAttempts: 3 };
    expect(retryDelay(limited, 3, middle)).toBe(4000);
    expect(retryDelay(limited, 4, middle)).toBeUndefined();
  });
});
