import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import pino from 'pino';
import { EndReasons } from '../../../server/hub/end-reason';
import type { HubStream } from '../../../server/hub/stream';
import { PathManager } from '../../../server/paths/path-manager';
import { StreamNameInUseError } from '../../../server/paths/stream-name-in-use';
import type { PushStatus } from '../../../server/push/types';
import { SinkRegistry, type SinkKind, type SinkTarget } from '../../../server/sinks/sink-kinds';
import { FakeClock } from '../../support/fake-clock';
import { FakeSink } from '../../support/fake-sink';
import { h264Params } from '../../support/media-frames';

/** Sound mixing is not exercised here: a pool that never starts a worker. */
const unusedCodecPool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1 }, pino({ level: 'silent' }));

const silent = pino({ level: 'silent' });

/** Lets the promise chains started by the last call (a push closing its session) run to their end. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The directory with a `fake://` sink kind whose sinks the test drives, on a fake clock. */
function directory(options: { gracePeriodMs?: number; autoStartUrl?: string } = {}) {
  const sinks: FakeSink[] = [];
  const fake: SinkKind = {
    schemes: ['fake'],
    resolve: (request): SinkTarget => ({ url: request.url, host: new URL(request.url).hostname, streamName: `out_${request.sourceName}`, safeUrl: request.url, safeStreamName: `out_${request.sourceName}` }),
    create: () => {
      const sink = new FakeSink();
      sinks.push(sink);
      return sink;
    },
  };
  const clock = new FakeClock();
  const paths = new PathManager({
    derivations: [],
    sinks: new SinkRegistry().register(fake),
    pushes: {
      backoff: { initialDelayMs: 1000, maxDelayMs: 1000, maxAttempts: 0 },
      wedgeTimeoutMs: 10_000,
      readerLimits: { maxBytes: 1 << 20, maxMs: 10_000 },
      audio: { pool: unusedCodecPool, bitrateBps: 128_000 },
      mediaDir: 'media',
      autoStartUrl: options.autoStartUrl,
      maxPushes: 4,
      maxOptionBytes: 4096,
      maxRecordings: 4,
    },
    sinkContext: {},
    gracePeriodMs: options.gracePeriodMs ?? 0,
    logger: silent,
    clock,
  });
  const states: string[] = [];
  paths.on('push-state', (status) => states.push(`${status.sourceName}:${status.state}`));
  return { paths, sinks, clock, states };
}

/** Publishes `name` with an H.264 track whose parameters are known. */
function publish(paths: PathManager, name: string): HubStream {
  const stream = paths.publish(name, { kind: 'rtmp', mediaSessionId: `pub-${name}`, requestKeyframe: () => undefined });
  stream.addTrack({ kind: 'video', codec: 'h264', timescale: 1000, params: h264Params(320, 240) });
  return stream;
}

describe('PathManager (the in-process path directory)', () => {
  test('one publisher per name; the name is free again once its stream ends', async () => {
    const { paths } = directory();
    const first = publish(paths, 'cam');
    expect(() => publish(paths, 'cam')).toThrow(StreamNameInUseError);
    expect(await paths.listPaths()).toEqual([expect.objectContaining({ name: 'cam', stream: expect.objectContaining({ sourceKind: 'rtmp', publisherId: 'pub-cam', tracks: [{ kind: 'video', codec: 'h264' }] }) })]);
    first.close(EndReasons.publisherStop);
    expect(await paths.listPaths()).toEqual([]);
    expect(publish(paths, 'cam')).not.toBe(first);
  });

  test('pushes are found by source or target name and by URL, reached by id, and ended by id', async () => {
    const { paths, sinks } = directory();
    publish(paths, 'cam');
    const a = await paths.startPush({ sourceName: 'cam', url: 'fake://a/live' });
    const b = await paths.startPush({ sourceName: 'cam', url: 'fake://b/live' });
    expect(sinks).toHaveLength(2);
    expect((await paths.findPushes({ streamName: 'cam' })).map((p) => p.id)).toEqual([a.id, b.id]);
    expect((await paths.findPushes({ streamName: 'out_cam', url: 'fake://b/live' })).map((p) => p.id)).toEqual([b.id]);
    await expect(paths.startPush({ sourceName: 'cam', url: 'fake://a/live' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await paths.setMuted(a.id, true);
    expect((await paths.findPushes({ url: 'fake://a/live' }))[0]).toMatchObject({ muted: true });
    await paths.terminatePush(a.id, EndReasons.restTerminate);
    expect((await paths.findPushes({})).map((p) => p.id)).toEqual([b.id]);
    await expect(paths.terminatePush(a.id, EndReasons.restTerminate)).rejects.toMatchObject({ code: 'TRANSPONDER_NOT_FOUND' });
    await expect(paths.setMuted('nope', true)).rejects.toMatchObject({ code: 'TRANSPONDER_NOT_FOUND' });
  });

  test('a target of an unknown scheme is refused with the schemes that work; a stream that is not published is a 404 unless reserved', async () => {
    const { paths } = directory();
    await expect(paths.startPush({ sourceName: 'cam', url: 'srt://h:1' })).rejects.toMatchObject({ code: 'INVALID_URL', message: "Invalid rtmpUrl: unsupported scheme 'srt': only fake:// are accepted" });
    await expect(paths.startPush({ sourceName: 'cam', url: 'fake://a/live' })).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    const reserved = await paths.startPush({ sourceName: 'cam', url: 'fake://a/live', reserve: true });
    expect(reserved.state).toBe('pending');
    expect(await paths.findPath('cam')).toMatchObject({ name: 'cam', stream: undefined, pushes: [reserved.id] });
  });

  test('a reserved push starts when its stream is published and waits again when it stops', async () => {
    const { paths, sinks, states } = directory();
    const push = await paths.startPush({ sourceName: 'cam', url: 'fake://a/live', reserve: true });
    const stream = publish(paths, 'cam');
    sinks[0]!.connect();
    stream.close(EndReasons.publisherStop);
    await settled();
    expect(states).toEqual(['cam:pending', 'cam:connecting', 'cam:publishing', 'cam:pending']);
    expect((await paths.findPushes({}))[0]).toMatchObject({ id: push.id, state: 'pending' });
  });

  test('a publisher that drops (not a deliberate stop) is waited for during the grace period; past it the pushes stop', async () => {
    const { paths, sinks, clock } = directory({ gracePeriodMs: 10_000 });
    const first = publish(paths, 'cam');
    const push = await paths.startPush({ sourceName: 'cam', url: 'fake://a/live' });
    sinks[0]!.connect();
    first.close(EndReasons.sessionDisconnect);
    expect(await paths.findPath('cam')).toMatchObject({ inGrace: true, stream: undefined });
    clock.advance(9000);
    publish(paths, 'cam');
    expect(sinks).toHaveLength(1); // the same session goes on
    expect((await paths.findPushes({}))[0]).toMatchObject({ id: push.id, state: 'publishing' });

    paths.stream('cam')!.close(EndReasons.sessionDisconnect);
    clock.advance(10_000);
    await settled();
    expect(await paths.findPushes({})).toEqual([]);
    expect(await paths.listPaths()).toEqual([]);
  });

  test('a deliberate stop ends the pushes at once, whatever the grace period', async () => {
    const { paths, sinks } = directory({ gracePeriodMs: 10_000 });
    const stream = publish(paths, 'cam');
    await paths.startPush({ sourceName: 'cam', url: 'fake://a/live' });
    sinks[0]!.connect();
    stream.close(EndReasons.publisherStop);
    await settled();
    expect(await paths.findPushes({})).toEqual([]);
  });

  test('terminateStream ends the publication of its publisher only: pushes go as after a deliberate stop, reserved ones wait, whatever the grace period', async () => {
    const { paths, sinks, states } = directory({ gracePeriodMs: 10_000 });
    const stream = publish(paths, 'cam');
    const reserved = await paths.startPush({ sourceName: 'cam', url: 'fake://a/live', reserve: true });
    await paths.startPush({ sourceName: 'cam', url: 'fake://b/live' });
    for (const sink of sinks) sink.connect();
    // A publisher that has been replaced meanwhile is left alone; an unknown name has nothing to end.
    expect(await paths.terminateStream('cam', 'pub-someone-else', EndReasons.restTerminate)).toBe(false);
    expect(await paths.terminateStream('nobody', 'pub-nobody', EndReasons.restTerminate)).toBe(false);
    expect(stream.closed).toBe(false);
    expect(await paths.terminateStream('cam', 'pub-cam', EndReasons.restTerminate)).toBe(true);
    await settled();
    expect(stream.closeReason).toEqual(EndReasons.restTerminate);
    expect(await paths.findPath('cam')).toMatchObject({ stream: undefined, inGrace: false, pushes: [reserved.id] });
    // The reserved push closed its session and waits; the other one stopped (no grace period for a deliberate end).
    expect((await paths.findPushes({})).map((p) => [p.id, p.state])).toEqual([[reserved.id, 'pending']]);
    expect(states.slice(-2).sort()).toEqual(['cam:pending', 'cam:stopped']);
    expect(sinks.map((sink) => sink.running)).toEqual([false, false]);
    expect(await paths.terminateStream('cam', 'pub-cam', EndReasons.restTerminate)).toBe(false);
    // The name is free: the next publisher gets the reserved push again.
    publish(paths, 'cam');
    expect((await paths.findPushes({}))[0]).toMatchObject({ id: reserved.id, state: 'connecting' });
  });

  test('auto-start pushes every published stream once', async () => {
    const { paths } = directory({ autoStartUrl: 'fake://auto/live' });
    publish(paths, 'one');
    publish(paths, 'two');
    await settled();
    expect((await paths.findPushes({})).map((p: PushStatus) => [p.sourceName, p.url])).toEqual([['one', 'fake://auto/live'], ['two', 'fake://auto/live']]);
  });

  test('close() ends every path: pushes stop cleanly, streams end with the shutdown reason, and nothing new is accepted', async () => {
    const { paths, sinks } = directory();
    const stream = publish(paths, 'cam');
    await paths.startPush({ sourceName: 'cam', url: 'fake://a/live' });
    sinks[0]!.connect();
    await paths.close();
    expect(sinks[0]!.running).toBe(false);
    expect(stream.closeReason).toEqual(EndReasons.shutdown);
    expect(() => publish(paths, 'late')).toThrow(/shutting down/);
    await expect(paths.startPush({ sourceName: 'cam', url: 'fake://b/live', reserve: true })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
