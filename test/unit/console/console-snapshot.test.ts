import type { BeamSession } from '../../../server/beam/beam-session';
import { BitrateMeter } from '../../../server/console/bitrate-meter';
import { consoleSnapshot, readConsoleState, type ConsoleSources } from '../../../server/console/console-snapshot';
import type { PathDirectory, PathSummary } from '../../../server/paths/path-directory';
import type { PushStatus } from '../../../server/push/types';
import { RecordLinks } from '../../../server/records/record-links';
import type { AccessRuleRecord, RtmpServerRecord } from '../../../server/rtmp-servers/rtmp-server-record';

function push(over: Partial<PushStatus>): PushStatus {
  return {
    id: 'p1', sourceName: 'cam', url: 'rtmp://a.rtmp.youtube.com/live2/secretkey123', safeUrl: 'rtmp://a.rtmp.youtube.com/live2/secr…',
    targetStreamName: 'secretkey123', safeTargetStreamName: 'secr…', width: 640, height: 480, muted: false, soundEnabled: false, options: {},
    state: 'publishing', lastError: null, retries: 0, sentBytes: 0, sessionSentBytes: 0, sessionDurationMs: 0, totalDurationMs: 0,
    queuedBytes: 0, queuedFrames: 0, droppedFrames: 0, sentTime: 0, createdTime: 1, startTime: 2, finishTime: null,
    tracks: { video: true, audio: true }, trackIds: [], scope: undefined, recording: undefined, ...over,
  };
}

const cam: PathSummary = {
  name: 'cam',
  inGrace: false,
  pushes: ['p1'],
  stream: {
    id: 's1', sourceKind: 'webrtc', publisherId: 'pub-1', publishedAt: Date.now() - 65_000,
    tracks: [{ kind: 'video', codec: 'h264' }, { kind: 'audio', codec: 'opus' }, { kind: 'audio', codec: 'aac' }],
    width: 640, height: 480, readers: 2, quality: undefined,
    ingest: { bytes: 123_456, videoFrames: 300, audioFrames: 500, bitrate: 900_000, fps: 30 },
  },
};

const server: RtmpServerRecord = { id: 'srv1', name: 'ingest', type: 'SERVER_TYPE_RTMP', bufferSeconds: 5, port: 1935, active: true, created: 'c', modified: 'm' };
const rules: AccessRuleRecord[] = [
  { id: 'r1', serverId: 'srv1', action: 'publish', app: 'live', streamKey: 'topsecretkey', webhookUrl: 'https://hooks.example/check?token=abc', allowIps: [], denyIps: [], created: 'c', modified: 'm' },
  { id: 'r2', serverId: 'srv1', action: 'play', app: '*', streamKey: '*', webhookUrl: null, allowIps: ['10.0.0.0/8'], denyIps: [], created: 'c', modified: 'm' },
];

describe('console snapshot', () => {
  let pushes: PushStatus[];
  let recordings: PushStatus[];
  const directory = {
    listPaths: async () => [cam, { name: 'waiting', stream: undefined, inGrace: true, pushes: [] }],
    findPushes: async (filter: { recordings?: boolean }) => (filter.recordings ? recordings : pushes),
  } as unknown as PathDirectory;
  const beam = {
    request: { roomId: 'room-1', meetingUrl: 'https://meet.example/room-1?token=secret-token', resolution: { width: 1280, height: 720 }, rtmpUrls: [], record: false },
    streamName: 'beam-room-1', state: 'running', error: null, attempts: 1, startedAt: 0, pushIds: [], recordingId: undefined,
  } as unknown as BeamSession;
  const sources: ConsoleSources = {
    directory,
    beams: { list: () => [beam] },
    rtmpServers: { getAll: () => [server], getRules: () => rules },
    links: new RecordLinks({ secret: 'k', expirySeconds: 60, baseUrl: 'http://gw:8081' }),
  };

  beforeEach(() => {
    pushes = [
      push({ sentBytes: 1000 }),
      push({ id: 'p2', url: 'rtmp://127.0.0.1:9/live', safeUrl: 'rtmp://127.0.0.1:9/live', targetStreamName: 'rtmp_cam', safeTargetStreamName: 'rtmp_cam', state: 'failed', lastError: 'connect ECONNREFUSED 127.0.0.1:9', retries: 3 }),
    ];
    recordings = [push({ id: 'rec-1', url: '', safeUrl: '', state: 'publishing', recording: { fileTemplate: '{streamName}', rotation: undefined, files: [], currentFile: { fileName: 'cam.mp4', bytes: 10, durationMs: 5, startTime: 0 }, durationMs: 5 } })];
  });

  test('streams with their metrics, pushes with masked output URLs, durations and bitrates', async () => {
    const meter = new BitrateMeter();
    await readConsoleState(sources, meter, 0);
    pushes[0] = push({ sentBytes: 126_000, totalDurationMs: 4200 });
    const snapshot = consoleSnapshot(await readConsoleState(sources, meter, 1000), { secrets: false, errors: true });

    expect(snapshot.streams).toHaveLength(1);
    expect(snapshot.streams[0]).toMatchObject({ name: 'cam', sourceKind: 'webrtc', videoCodec: 'H264', audioCodec: 'opus', readers: 2 });
    expect(snapshot.streams[0]!.metrics).toMatchObject({ bitrate: 900_000, bytesReceived: 123_456, readers: 2 });
    expect(snapshot.streams[0]!.metrics!.uptimeMs).toBeGreaterThanOrEqual(65_000);

    expect(snapshot.pushes[0]).toMatchObject({ mediaSessionId: 'p1', state: 'publishing', outputUrl: 'rtmp://a.rtmp.youtube.com/live2/secr…', durationMs: 4200, bitrate: 1_000_000, sentBytes: 126_000 });
    // A URL without the key: the gateway named the stream, shown after the URL.
    expect(snapshot.pushes[1]).toMatchObject({ state: 'failed', outputUrl: 'rtmp://127.0.0.1:9/live/rtmp_cam', lastError: 'connect ECONNREFUSED 127.0.0.1:9', retries: 3, bitrate: 0 });
    expect(JSON.stringify(snapshot)).not.toContain('secretkey123');

    expect(snapshot.recordings).toEqual([expect.objectContaining({ mediaSessionId: 'rec-1', streamName: 'cam', state: 'recording', fileName: 'cam.mp4' })]);
    expect(snapshot.beams).toEqual([expect.objectContaining({ room_id: 'room-1', stream_name: 'beam-room-1', state: 'running', meeting_url: 'https://meet.example/room-1?token=***' })]);
  });

  test('secrets stay masked even when the rights allow them; errors follow the rights', async () => {
    const state = await readConsoleState(sources, new BitrateMeter(), 0);
    const withSecrets = consoleSnapshot(state, { secrets: true, errors: true });
    expect(withSecrets.pushes[0]).toMatchObject({ rtmpUrl: 'rtmp://a.rtmp.youtube.com/live2/secr…', streamName: 'secr…' });
    const open = consoleSnapshot(state, { secrets: false, errors: false });
    expect(open.pushes[1]!.lastError).toBe('the push could not reach its target or lost it');
  });

  test('RTMP servers as the Callaba API shows them, with their rules, stream keys and webhook queries masked', async () => {
    const { rtmpServers } = await readConsoleState(sources, new BitrateMeter(), 0);
    expect(rtmpServers).toEqual([expect.objectContaining({ id: 'srv1', server_name: 'ingest', server_port: 1935, server_active: true })]);
    expect(rtmpServers[0]!.rules.map((rule) => [rule.rule_action, rule.rule_app, rule.rule_stream_key, rule.rule_webhook_url])).toEqual([
      ['publish', 'live', 'tops…', 'https://hooks.example/check?token=***'],
      ['play', '*', '*', null],
    ]);
  });
});
