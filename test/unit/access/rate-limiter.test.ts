import { RateLimiter } from '../../../server/access/rate-limiter';

describe('RateLimiter', () => {
  test('lets a burst through, then the rate, per client; says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 20, () => now);
    for (let i = 0; i < 20; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(100);
    expect(limiter.take('b')).toBe(0); // another client is not affected
    now += 100;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  test('0 lets everything through; the table of clients stays bounded', () => {
    expect(new RateLimiter(0, 0).take('a')).toBe(0);
    const limiter = new RateLimiter(1, 1, () => 0);
    for (let i = 0; i < 10_500; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(10_000);
  });
});
