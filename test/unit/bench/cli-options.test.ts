import { BenchUsageError, parseBenchOptions } from '../../../bench/cli-options';

describe('bench flags', () => {
  test('defaults make a run of a few minutes', () => {
    expect(parseBenchOptions([])).toMatchObject({
      streams: 8, seconds: 30, warmupSeconds: 5, fanout: [1, 10, 20], fanoutSeconds: 20, baseline: true, json: undefined, cpuProfile: false, mediaPorts: [45001, 46000],
    });
  });

  test('every flag is read', () => {
    const options = parseBenchOptions(['--streams', '2', '--seconds', '3', '--warmup', '1', '--fanout', '1,2', '--fanout-seconds', '2', '--baseline', 'off', '--json', 'out.json', '--clip-seconds', '4', '--connect-concurrency', '2', '--media-ports', '40000-40100', '--rtp-base-port', '50000', '--cpu-prof', '--ffmpeg', '/usr/bin/ffmpeg']);
    expect(options).toEqual({
      streams: 2, seconds: 3, warmupSeconds: 1, fanout: [1, 2], fanoutSeconds: 2, baseline: false, json: 'out.json', clipSeconds: 4, connectConcurrency: 2,
      mediaPorts: [40000, 40100], rtpBasePort: 50000, cpuProfile: true, ffmpegPath: '/usr/bin/ffmpeg',
    });
    expect(parseBenchOptions(['--fanout', 'off']).fanout).toEqual([]);
  });

  test.each([
    [['--stream', '2'], 'unknown flag --stream'],
    [['--streams'], '--streams needs a value'],
    [['--streams', '0'], '--streams must be an integer from 1'],
    [['--streams', '2.5'], '--streams must be an integer'],
    [['--seconds', 'soon'], '--seconds must be a number'],
    [['--fanout', '3,1'], 'ascending'],
    [['--baseline', 'yes'], '--baseline must be on or off'],
    [['--media-ports', '5000'], '--media-ports'],
    [['extra'], "unexpected argument 'extra'"],
  ])('%j is refused: %s', (args, message) => {
    expect(() => parseBenchOptions(args)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(args)).toThrow(message);
  });
});
