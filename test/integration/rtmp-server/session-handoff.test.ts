import v8 from 'node:v8';
import pino from 'pino';
import { EndReasons } from '../../../server/hub/end-reason';
import type { RtmpAccessPolicy } from '../../../server/rtmp/server/access-policy';
import { RtmpListener } from '../../../server/rtmp/server/rtmp-listener';
import { ServerSession, type ServerSessionOptions, type SessionHandOff, type SessionSnapshot } from '../../../server/rtmp/server/server-session';
import { framesReach } from '../../support/hub-readers';
import { probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { TestPaths } from '../../support/test-paths';
import { RtmpTestClient } from './support/rtmp-test-client';
import { DEFAULT_LIMIT_OPTIONS } from './support/client-limits';
import { publishTestPattern, streamPublished } from './support/ffmpeg-publisher';

const allowAll: RtmpAccessPolicy = { admitConnection: () => ({ allowed: true }), authorizeStream: async () => ({ allowed: true }) };

/**
 * The hand-over of a connection at publish/play, within one process: the listener's sessions
 * (over `here`) hand every stream but here-* to sessions resumed over `elsewhere`, as a media worker would,
 * with the snapshot put through the serialization of the IPC channel.
 */
describe('RTMP connections handed over at publish and play', () => {
  let here: TestPaths;
  let elsewhere: TestPaths;
  let listener: RtmpListener;
  let port: number;
  let publisher: TrackedProcess | undefined;
  const resumed: ServerSession[] = [];
  const snapshots: SessionSnapshot[] = [];

  beforeAll(async () => {
    here = new TestPaths();
    elsewhere = new TestPaths();
    port = await getFreePort();
    const base = { ...DEFAULT_LIMIT_OPTIONS, access: allowAll, playerMaxQueuedMs: 5000, traceMessages: false, logger: pino({ level: 'silent' }) };
    const worker: ServerSessionOptions = { ...base, paths: elsewhere };
    const handOff: SessionHandOff = (socket, snapshot) => {
      const copy = v8.deserialize(v8.serialize(snapshot)) as SessionSnapshot;
      snapshots.push(copy);
      const session = ServerSession.resume(socket, copy, worker);
      resumed.push(session);
      const closed = new Promise<void>((resolve) => session.once('closed', resolve));
      return { close: (reason) => session.close(reason), closed };
    };
    listener = await RtmpListener.listen({ ...base, host: '127.0.0.1', port, paths: here, placeStream: (name) => (name.startsWith('here-') ? undefined : handOff) });
  });

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
  });

  test("ffmpeg's publish runs in the resumed session: the stream and its frames are over there, never here", async () => {
    const seenHere: string[] = [];
    here.on('path-published', ({ name }) => seenHere.push(name));
    publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/cam`, { seconds: 60 });
    const stream = await streamPublished(elsewhere, 'cam', publisher, 20_000);
    expect(stream.source.kind).toBe('rtmp');
    await framesReach(elsewhere.stream('cam')!, 100);
    expect(stream.tracks.map((t) => [t.kind, t.codec])).toEqual([['video', 'h264'], ['audio', 'aac']]);
    expect(here.stream('cam')).toBeUndefined();
    expect(seenHere).toEqual([]);
    expect(snapshots[0]).toMatchObject({ app: 'live', client: { ip: '127.0.0.1' }, pending: { action: 'publish', streamKey: 'cam' }, connection: { outgoingChunkSize: 4096 } });
  });

  test('a player of that name is handed over to the same side and gets H.264 and AAC', async () => {
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/cam`, { timeoutMs: 20_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 44100 });
    expect(snapshots.at(-1)?.pending).toMatchObject({ action: 'play', streamKey: 'cam' });
  });

  test('a player of a name nobody publishes is refused by the resumed session', async () => {
    await expect(probeStreams(`rtmp://127.0.0.1:${port}/live/nobody`, { timeoutMs: 10_000 })).rejects.toThrow();
    expect(snapshots.at(-1)?.pending).toMatchObject({ action: 'play', streamKey: 'nobody' });
  });

  test("a connection already publishing here is refused a play placed elsewhere, and keeps nothing of it", async () => {
    const rtmp = await RtmpTestClient.open(port);
    expect((await rtmp.connect('live')).code).toBe('NetConnection.Connect.Success');
    const [first, second] = [await rtmp.createStream(), await rtmp.createStream()];
    expect((await rtmp.publish(first, 'here-local')).code).toBe('NetStream.Publish.Start');
    expect(here.stream('here-local')).toBeDefined();
    const handedOver = snapshots.length;
    expect(await rtmp.play(second, 'cam')).toEqual({ level: 'error', code: 'NetStream.Play.StreamNotFound', description: "cam runs on another media worker than this connection's other stream" });
    await rtmp.closed;
    expect(snapshots).toHaveLength(handedOver);
  });

  test("closing the listener closes the resumed publisher's session through its shell, and the publish ends", async () => {
    const publishing = resumed[0]!;
    const closed = new Promise<void>((resolve) => publishing.once('closed', resolve));
    await listener.close(EndReasons.shutdown);
    await closed;
    expect(elsewhere.stream('cam')).toBeUndefined();
  });
});
