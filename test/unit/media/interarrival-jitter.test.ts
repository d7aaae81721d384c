import { InterarrivalJitter } from '../../../server/media/rtp/interarrival-jitter';
import { Prng } from '../../support/prng';

describe('InterarrivalJitter (RFC 3550 A.8)', () => {
  test('is 0 when packets arrive spaced exactly as they were sent, across the 32-bit timestamp wrap', () => {
    const jitter = new InterarrivalJitter(90000);
    for (let i = 0; i < 100; i++) jitter.update((0xffff0000 + i * 3000) >>> 0, 1000 + (i * 100) / 3);
    expect(jitter.jitterMs).toBeCloseTo(0, 6);
  });

  test('one late packet adds |D|/16 of its delay, twice (late, then early again)', () => {
    const jitter = new InterarrivalJitter(90000);
    jitter.update(0, 0);
    jitter.update(3000, 33.333333333333336);
    jitter.update(6000, 66.66666666666667 + 16); // 16 ms late
    expect(jitter.jitterMs).toBeCloseTo(1, 6);
    jitter.update(9000, 100); // back on time: D = −16 ms
    expect(jitter.jitterMs).toBeCloseTo(1 + (16 - 1) / 16, 6);
  });

  test('settles near the mean deviation of random delays', () => {
    const random = new Prng(7);
    const jitter = new InterarrivalJitter(90000);
    // Network delay uniform in [0, 20) ms: E|D| of the difference of two such delays is 20/3 ms.
    for (let i = 0; i < 5000; i++) jitter.update(i * 3000, (i * 100) / 3 + random.next() * 20);
    expect(jitter.jitterMs).toBeGreaterThan(5);
    expect(jitter.jitterMs).toBeLessThan(8.5);
  });
});
