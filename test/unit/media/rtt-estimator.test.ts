import { RttEstimator } from '../../../server/media/rtp/rtt-estimator';

describe('RttEstimator (RFC 6298)', () => {
  test('the first sample sets SRTT = R and RTTVAR = R/2', () => {
    const rtt = new RttEstimator();
    expect(rtt.smoothedMs).toBeUndefined();
    rtt.addSample(80);
    expect({ srtt: rtt.smoothedMs, rttvar: rtt.variationMs, samples: rtt.samples }).toEqual({ srtt: 80, rttvar: 40, samples: 1 });
  });

  test('later samples move SRTT by 1/8 and RTTVAR by 1/4 of the difference', () => {
    const rtt = new RttEstimator();
    rtt.addSample(80);
    rtt.addSample(160);
    // RTTVAR = 3/4·40 + 1/4·|80 − 160| = 50; SRTT = 7/8·80 + 1/8·160 = 90.
    expect(rtt.variationMs).toBeCloseTo(50, 9);
    expect(rtt.smoothedMs).toBeCloseTo(90, 9);
  });

  test('converges on a steady round trip, its variation decaying towards 0', () => {
    const rtt = new RttEstimator();
    rtt.addSample(20); // an early ICE check on a quiet link
    for (let i = 0; i < 60; i++) rtt.addSample(200);
    expect(rtt.smoothedMs).toBeGreaterThan(199);
    expect(rtt.smoothedMs).toBeLessThanOrEqual(200);
    expect(rtt.variationMs).toBeLessThan(1);
  });

  test('ignores samples that are not round trips, and caps huge ones at 10 s', () => {
    const rtt = new RttEstimator();
    for (const bad of [-5, NaN, Infinity]) rtt.addSample(bad);
    expect(rtt.samples).toBe(0);
    rtt.addSample(1e9);
    expect(rtt.smoothedMs).toBe(10_000);
  });
});
