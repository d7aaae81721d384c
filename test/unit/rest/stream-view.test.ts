import type { PathSummary } from '../../../server/paths/path-directory';
import { matchesFind, streamViews, wantsMetrics, type StreamFilter } from '../../../server/rest/stream-view';

const ingest = { bytes: 123_456, videoFrames: 250, audioFrames: 430, bitrate: 987_000, fps: 25 };

/** A path as the directory summarizes it: published by `publisherId` unless `stream` is false. */
function path(name: string, publisherId: string, overrides: Partial<NonNullable<PathSummary['stream']>> = {}): PathSummary {
  return {
    name,
    stream: {
      id: `s-${name}`,
      sourceKind: 'rtmp',
      publisherId,
      publishedAt: 1_000_000,
      tracks: [{ kind: 'video', codec: 'h264' }, { kind: 'audio', codec: 'aac' }],
      width: 320,
      height: 240,
      readers: 2,
      quality: undefined,
      ingest,
      ...overrides,
    },
    inGrace: false,
    pushes: [],
  };
}

const paths: PathSummary[] = [
  path('obs', 'rtmp-1'),
  path('cam', 'ms-cam', { sourceKind: 'webrtc', tracks: [{ kind: 'video', codec: 'h264' }, { kind: 'audio', codec: 'opus' }, { kind: 'audio', codec: 'aac' }] }),
  path('whipcam', 'ms-whip', { sourceKind: 'whip', tracks: [{ kind: 'audio', codec: 'opus' }], width: 0, height: 0 }),
  { name: 'reserved', stream: undefined, inGrace: false, pushes: ['push-1'] },
];

describe('stream views', () => {
  test('only published paths are streams, with WCS\'s mediaProvider and the source kind; no metrics unless asked', () => {
    const views = streamViews(paths);
    expect(views.map((v) => [v.name, v.mediaProvider, v.sourceKind, v.videoCodec, v.audioCodec])).toEqual([
      ['obs', 'Flash', 'rtmp', 'H264', 'AAC'],
      ['cam', 'WebRTC', 'webrtc', 'H264', 'opus'],
      ['whipcam', 'WebRTC', 'whip', null, 'opus'],
    ]);
    expect(views.every((v) => v.metrics === undefined)).toBe(true);
  });

  test('metrics carry the ingest counters, the codecs and size, the readers and the uptime', () => {
    const [obs] = streamViews(paths, { metrics: true, now: 1_004_500 });
    expect(obs!.metrics).toEqual({
      sourceKind: 'rtmp', videoCodec: 'H264', audioCodec: 'AAC', width: 320, height: 240,
      bitrate: 987_000, fps: 25, bytesReceived: 123_456, videoFramesReceived: 250, audioFramesReceived: 430,
      uptimeMs: 4500, readers: 2,
    });
  });

  test.each<[StreamFilter, string[]]>([
    [{}, ['obs', 'cam', 'whipcam']],
    [{ name: 'cam' }, ['cam']],
    [{ name: 'nobody' }, []],
    [{ mediaSessionId: 'ms-whip' }, ['whipcam']],
    [{ mediaSessionIds: ['rtmp-1', 'ms-whip', 'unknown'] }, ['obs', 'whipcam']],
    [{ mediaSessionIds: [] }, []],
    [{ mediaSessionIds: ['rtmp-1'], name: 'cam' }, []],
    [{ mediaSessionId: 'ms-cam', mediaSessionIds: ['ms-cam', 'rtmp-1'] }, ['cam']],
    [{ published: true }, ['obs', 'cam', 'whipcam']],
    [{ published: false }, []],
    [{ status: 'PUBLISHING' }, ['obs', 'cam', 'whipcam']],
    [{ status: 'FAILED' }, []],
    [{ name: 'obs', mediaSessionId: 'rtmp-1', published: true, status: 'PUBLISHING' }, ['obs']],
  ])('filter %j matches %j', (filter, names) => {
    expect(streamViews(paths).filter((view) => matchesFind(view, filter)).map((view) => view.name)).toEqual(names);
  });

  test('display asks for metrics only when it lists "metrics"', () => {
    expect(wantsMetrics({ display: ['metrics'] })).toBe(true);
    expect(wantsMetrics({ display: ['other', 'metrics'] })).toBe(true);
    expect(wantsMetrics({ display: ['other'] })).toBe(false);
    expect(wantsMetrics({})).toBe(false);
  });
});
