import { formatRotation, parseRotation } from '../../../../server/sinks/record/recording-spec';

describe('recording rotation', () => {
  test('upper-case units are sizes, lower-case units durations', () => {
    expect(parseRotation('20M')).toEqual({ kind: 'size', bytes: 20 * 1024 * 1024 });
    expect(parseRotation('512K')).toEqual({ kind: 'size', bytes: 512 * 1024 });
    expect(parseRotation('1.5G')).toEqual({ kind: 'size', bytes: 1.5 * 1024 ** 3 });
    expect(parseRotation('10m')).toEqual({ kind: 'duration', ms: 600_000 });
    expect(parseRotation('3s')).toEqual({ kind: 'duration', ms: 3000 });
    expect(parseRotation('1h')).toEqual({ kind: 'duration', ms: 3_600_000 });
  });

  test('refuses what is not a size or a duration, or too small to hold a GOP', () => {
    for (const text of ['20', 'M', '20MB', '-3s', '10d', '0.5s', '10K', '']) expect(() => parseRotation(text)).toThrow(/rotation/);
  });

  test('is written back as WCS does', () => {
    expect(formatRotation(parseRotation('20M'))).toBe('20M');
    expect(formatRotation(parseRotation('10m'))).toBe('10m');
    expect(formatRotation(parseRotation('90s'))).toBe('90s');
    expect(formatRotation(undefined)).toBeUndefined();
  });
});
