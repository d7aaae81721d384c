import { BitrateMeter } from '../../../server/console/bitrate-meter';

describe('BitrateMeter', () => {
  test('a rate from the second sample on, in bit/s over the time between samples', () => {
    const meter = new BitrateMeter();
    expect(meter.sample([['p1', 1000]], 0).get('p1')).toBeNull();
    expect(meter.sample([['p1', 126_000]], 1000).get('p1')).toBe(1_000_000);
    expect(meter.sample([['p1', 126_000]], 3000).get('p1')).toBe(0);
  });

  test('samples too close keep the last rate; a counter that went down starts again', () => {
    const meter = new BitrateMeter(500);
    meter.sample([['p1', 0]], 0);
    expect(meter.sample([['p1', 1000]], 1000).get('p1')).toBe(8000);
    // 10 ms later: a rate over so short a span would be noise.
    expect(meter.sample([['p1', 5000]], 1010).get('p1')).toBe(8000);
    expect(meter.sample([['p1', 5000]], 2000).get('p1')).toBe(32_000);
    expect(meter.sample([['p1', 10]], 3000).get('p1')).toBeNull();
    expect(meter.sample([['p1', 1010]], 4000).get('p1')).toBe(8000);
  });

  test('a counter missing from a sample is forgotten: it starts again when it comes back', () => {
    const meter = new BitrateMeter();
    meter.sample([['a', 0], ['b', 0]], 0);
    const rates = meter.sample([['a', 100]], 1000);
    expect([...rates.keys()]).toEqual(['a']);
    expect(meter.sample([['a', 200], ['b', 500]], 2000)).toEqual(new Map([['a', 800], ['b', null]]));
  });
});
