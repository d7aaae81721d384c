import { RepeatSuppressor } from '../../../server/access/repeat-suppressor';

const MINUTE = 60_000;

describe('RepeatSuppressor', () => {
  function clocked(options: { maxKeys?: number } = {}): { suppressor: RepeatSuppressor; advance: (ms: number) => void } {
    let now = 1000;
    return { suppressor: new RepeatSuppressor(MINUTE, { ...options, now: () => now }), advance: (ms) => (now += ms) };
  }

  test('a poll every 3 s: the first is logged, then one line a minute telling how many times it happened since', () => {
    const { suppressor, advance } = clocked();
    const logged: Array<[number, number]> = [];
    for (let t = 0; t <= 3 * MINUTE; t += 3000) {
      const times = suppressor.occur('127.0.0.1 NOT_FOUND /rest-api/x');
      if (times !== undefined) logged.push([t, times]);
      advance(3000);
    }
    // 61 polls: the first, then one line at each minute standing for the 20 polls since the line before.
    expect(logged).toEqual([[0, 1], [MINUTE, 20], [2 * MINUTE, 20], [3 * MINUTE, 20]]);
  });

  test('five at once: one line', () => {
    const { suppressor } = clocked();
    const results = Array.from({ length: 5 }, () => suppressor.occur('k'));
    expect(results).toEqual([1, undefined, undefined, undefined, undefined]);
  });

  test('kinds are counted apart', () => {
    const { suppressor } = clocked();
    expect([suppressor.occur('a'), suppressor.occur('b'), suppressor.occur('a'), suppressor.occur('b'), suppressor.occur('c')]).toEqual([1, 1, undefined, undefined, 1]);
  });

  test('one alone after a quiet interval is logged as a first', () => {
    const { suppressor, advance } = clocked();
    expect(suppressor.occur('k')).toBe(1);
    advance(MINUTE);
    expect(suppressor.occur('k')).toBe(1);
    advance(MINUTE - 1);
    expect(suppressor.occur('k')).toBeUndefined();
    advance(1);
    expect(suppressor.occur('k')).toBe(2);
  });

  test('the table is bounded: past maxKeys the kind logged longest ago is forgotten (and logged again as a first)', () => {
    const { suppressor } = clocked({ maxKeys: 2 });
    expect(suppressor.occur('a')).toBe(1);
    expect(suppressor.occur('b')).toBe(1);
    expect(suppressor.occur('c')).toBe(1); // forgets a
    expect(suppressor.occur('b')).toBeUndefined(); // counted, still logged before c
    expect(suppressor.occur('a')).toBe(1); // forgets b
    expect(suppressor.occur('c')).toBeUndefined();
    expect(suppressor.occur('b')).toBe(1);
  });
});
