import { BenchUsageError, parseBenchOptions } from '../../../bench/cli-options';

describe('bench flags', () => {
  test('defaults make a run of a few minutes', () => {
    expect(parseBenchOptions([])).toMatchObject({
      streams: [8, 32], splitSeconds: 5, saturation: [100, 200, 300, 400, 500, 600, 700, 800], saturationSeconds: 8, saturationSettings: [], seconds: 30, warmupSeconds: 5, fanout: [1, 10, 20], fanoutSeconds: 20, link: 'rtt100Jitter20Loss2', repairWindows: ['auto', 50], linkStreams: 4, linkSeconds: 25, baseline: true, json: undefined, cpuProfile: false, mediaPorts: [45001, 46000],
    });
  });

  test('every flag is read', () => {
    const options = parseBenchOptions(['--streams', '2,4', '--split-seconds', '0', '--saturation', '10,20', '--saturation-seconds', '3', '--saturation-settings', 'workers=2,log_level=info', '--seconds', '3', '--warmup', '1', '--fanout', '1,2', '--fanout-seconds', '2', '--link', 'rtt250Loss1', '--repair-windows', '50,auto,0', '--link-streams', '3', '--link-seconds', '7.5', '--beam-seconds', '4', '--baseline', 'off', '--json', 'out.json', '--clip-seconds', '4', '--connect-concurrency', '2', '--media-ports', '40000-40100', '--rtp-base-port', '50000', '--cpu-prof', '--ffmpeg', '/usr/bin/ffmpeg']);
    expect(options).toEqual({
      streams: [2, 4], splitSeconds: 0, saturation: [10, 20], saturationSeconds: 3, saturationSettings: ['workers=2', 'log_level=info'], seconds: 3, warmupSeconds: 1, fanout: [1, 2], fanoutSeconds: 2, link: 'rtt250Loss1', repairWindows: [50, 'auto', 0], linkStreams: 3, linkSeconds: 7.5, beamSeconds: 4, baseline: false, json: 'out.json', clipSeconds: 4, connectConcurrency: 2,
      mediaPorts: [40000, 40100], rtpBasePort: 50000, cpuProfile: true, ffmpegPath: '/usr/bin/ffmpeg',
    });
    expect(parseBenchOptions(['--fanout', 'off']).fanout).toEqual([]);
    expect(parseBenchOptions(['--saturation', 'off']).saturation).toEqual([]);
    expect(parseBenchOptions(['--streams', '8']).streams).toEqual([8]);
    expect(parseBenchOptions(['--link', 'off']).link).toBeUndefined();
    expect(parseBenchOptions(['--link', 'clean']).link).toBe('clean');
  });

  test.each([
    [['--stream', '2'], 'unknown flag --stream'],
    [['--streams'], '--streams needs a value'],
    [['--streams', '0'], '--streams must be an integer from 1'],
    [['--streams', '2.5'], '--streams must be an integer'],
    [['--seconds', 'soon'], '--seconds must be a number'],
    [['--fanout', '3,1'], 'ascending'],
    [['--streams', '32,8'], '--streams counts must be ascending'],
    [['--streams', 'off'], '--streams needs at least one count'],
    [['--saturation', '100,100'], '--saturation counts must be ascending'],
    [['--saturation-settings', 'workers'], "--saturation-settings takes key=value,..., got 'workers'"],
    [['--split-seconds', '-1'], '--split-seconds must be a number from 0'],
    [['--baseline', 'yes'], '--baseline must be on or off'],
    [['--link', 'lossy'], '--link must be off or one of clean, rtt100Jitter20Loss2, rtt250Loss1'],
    [['--link', 'toString'], '--link must be off or one of'],
    [['--repair-windows', 'auto,fast'], "--repair-windows takes auto or whole ms from 0 to 5000, got 'fast'"],
    [['--repair-windows', '5001'], '--repair-windows takes auto or whole ms'],
    [['--repair-windows', 'auto,auto'], '--repair-windows must not repeat'],
    [['--link-streams', '33'], '--link-streams must be an integer from 1 to 32'],
    [['--link-seconds', '0'], '--link-seconds must be a number from 1'],
    [['--media-ports', '5000'], '--media-ports'],
    [['extra'], "unexpected argument 'extra'"],
  ])('%j is refused: %s', (args, message) => {
    expect(() => parseBenchOptions(args)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(args)).toThrow(message);
  });
});
