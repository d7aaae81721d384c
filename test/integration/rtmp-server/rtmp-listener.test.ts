import net from 'node:net';
import pino from 'pino';
import { EndReasons, type EndReason } from '../../../server/hub/end-reason';
import { encodeAmf0 } from '../../../server/rtmp/protocol/amf0';
import { AvcPacketType, parseVideoTagBody } from '../../../server/rtmp/protocol/flv';
import { commandMessage, MessageType, parseData, type RtmpMessage } from '../../../server/rtmp/protocol/messages';
import type { AccessDecision, RtmpAccessPolicy, StreamRequest } from '../../../server/rtmp/server/access-policy';
import { RtmpListener } from '../../../server/rtmp/server/rtmp-listener';
import { aacFrame, aacSequenceHeader, avcFrame, avcSequenceHeader } from '../../unit/rtmp-server/fixtures';
import { framesReach } from '../../support/hub-readers';
import { getFreePort } from '../../support/ports';
import { TestPaths } from '../../support/test-paths';
import { DEFAULT_LIMIT_OPTIONS } from './support/client-limits';
import { RtmpTestClient } from './support/rtmp-test-client';

/** A policy the tests script: connect and stream decisions, and a record of what was asked. */
class ScriptedPolicy implements RtmpAccessPolicy {
  connectDecision: AccessDecision = { allowed: true };
  streamDecision: (request: StreamRequest, signal: AbortSignal) => Promise<AccessDecision> = async () => ({ allowed: true });
  readonly asked: StreamRequest[] = [];

  admitConnection(): AccessDecision {
    return this.connectDecision;
  }

  authorizeStream(request: StreamRequest, signal: AbortSignal): Promise<AccessDecision> {
    this.asked.push(request);
    return this.streamDecision(request, signal);
  }
}

/**
 * True when `bytes` are the chunks of `messages` back to back and nothing else. Each message must
 * fit one chunk on a chunk stream under 64 with a timestamp field under 2^24 (no extended timestamp),
 * so its header length follows from the header type alone.
 */
function holdsExactly(bytes: Buffer, messages: readonly RtmpMessage[]): boolean {
  let position = 0;
  for (const { chunkStreamId, payload } of messages) {
    const first = bytes[position];
    if (first === undefined || (first & 0x3f) !== chunkStreamId) return false;
    position += 1 + [11, 7, 3, 0][first >> 6]!;
    if (!bytes.subarray(position, position + payload.length).equals(payload)) return false;
    position += payload.length;
  }
  return position === bytes.length;
}

/** The RTMP server alone (no gateway): sessions, statuses and the hub, driven by a scripted client. */
describe('RtmpListener and its sessions', () => {
  let paths: TestPaths;
  let policy: ScriptedPolicy;
  let listener: RtmpListener;
  let port: number;
  const clients: RtmpTestClient[] = [];

  beforeEach(async () => {
    paths = new TestPaths();
    policy = new ScriptedPolicy();
    port = await getFreePort();
    listener = await RtmpListener.listen({ ...DEFAULT_LIMIT_OPTIONS, host: '127.0.0.1', port, paths, access: policy, playerMaxQueuedMs: 5000, traceMessages: false, logger: pino({ level: 'silent' }) });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await listener.close(EndReasons.shutdown);
  });

  async function client(): Promise<RtmpTestClient> {
    const opened = await RtmpTestClient.open(port);
    clients.push(opened);
    return opened;
  }

  /** A client connected to `live` with a stream created. */
  async function onStream(): Promise<{ rtmp: RtmpTestClient; streamId: number }> {
    const rtmp = await client();
    expect((await rtmp.connect('live')).code).toBe('NetConnection.Connect.Success');
    return { rtmp, streamId: await rtmp.createStream() };
  }

  /** A publisher of `name` that sent sequence headers, a keyframe at ts 1000 (cts 80), an audio frame and two inter frames. */
  async function publisher(name: string): Promise<RtmpTestClient> {
    const { rtmp, streamId } = await onStream();
    expect((await rtmp.publish(streamId, name)).code).toBe('NetStream.Publish.Start');
    const written = framesReach(paths.stream(name)!, 4);
    for (const frame of [avcSequenceHeader(1000), aacSequenceHeader(1000), avcFrame(1000, true, 80), aacFrame(1010), avcFrame(1040, false, 80), avcFrame(1080, false, 0)]) {
      rtmp.send({ ...frame, messageStreamId: streamId });
    }
    await written;
    return rtmp;
  }

  test('a publish registers the stream key in the hub; a second publisher of the key gets NetStream.Publish.BadName and is disconnected', async () => {
    await publisher('cam');
    expect(paths.stream('cam')?.source.kind).toBe('rtmp');
    expect(policy.asked).toEqual([{ clientIp: '127.0.0.1', app: 'live', action: 'publish', streamKey: 'cam', query: '' }]);

    const { rtmp: second, streamId } = await onStream();
    expect(await second.publish(streamId, 'cam')).toEqual({ level: 'error', code: 'NetStream.Publish.BadName', description: 'Stream name is already in use' });
    await second.closed;
    expect(paths.stream('cam')?.closed).toBe(false);
  });

  test('a late player starts on the cached keyframe at time 0, after onMetaData and the sequence headers, B-frame offsets kept', async () => {
    await publisher('cam');
    const { rtmp, streamId } = await onStream();
    const media = new Promise<void>((resolve) => rtmp.connection.on('message', (m) => m.typeId === MessageType.VIDEO && rtmp.received.filter((r) => r.typeId === MessageType.VIDEO).length === 4 && resolve()));
    expect(await rtmp.play(streamId, 'cam?token=1')).toMatchObject({ level: 'status', code: 'NetStream.Play.Start' });
    await media;
    expect(policy.asked.at(-1)).toEqual({ clientIp: '127.0.0.1', app: 'live', action: 'play', streamKey: 'cam', query: 'token=1' });

    const metadata = rtmp.received.find((m) => m.typeId === MessageType.DATA_AMF0)!;
    expect(parseData(metadata)[0]).toBe('onMetaData');
    const video = rtmp.received.filter((m) => m.typeId === MessageType.VIDEO).map((m) => ({ ts: m.timestamp, msid: m.messageStreamId, ...parseVideoTagBody(m.payload) }));
    expect(video.map((v) => [v.ts, v.avcPacketType, v.frameType, v.compositionTime])).toEqual([
      [0, AvcPacketType.SEQUENCE_HEADER, 1, 0],
      [0, AvcPacketType.NALU, 1, 80],
      [40, AvcPacketType.NALU, 2, 80],
      [80, AvcPacketType.NALU, 2, 0],
    ]);
    expect(video.every((v) => v.msid === streamId)).toBe(true);
    expect(rtmp.received.indexOf(metadata)).toBeLessThan(rtmp.received.findIndex((m) => m.typeId === MessageType.VIDEO));
  });

  test('a live player gets the audio with the next video frame, in one socket write, ahead of it', async () => {
    const source = await publisher('cam');
    const { rtmp, streamId } = await onStream();
    const cached = new Promise<void>((resolve) => rtmp.connection.on('message', () => rtmp.received.filter((r) => r.typeId === MessageType.VIDEO).length === 4 && resolve()));
    await rtmp.play(streamId, 'cam');
    await cached;
    // Each writev's buffers joined at call time (Node rewrites the array it passed once the write is dispatched).
    const writevs: Buffer[] = [];
    const original = net.Socket.prototype._writev!;
    const writev = jest.spyOn(net.Socket.prototype, '_writev').mockImplementation(function (this: net.Socket, chunks, callback) {
      writevs.push(Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer)));
      original.call(this, chunks, callback);
    });
    try {
      const live = new Promise<void>((resolve) => rtmp.connection.on('message', (m) => m.typeId === MessageType.VIDEO && m.timestamp === 120 && resolve()));
      for (const frame of [aacFrame(1100), aacFrame(1120), avcFrame(1120, false, 0)]) source.send({ ...frame, messageStreamId: 1 });
      await live;
      const tail = rtmp.received.slice(-3);
      expect(tail.map((m) => [m.typeId, m.timestamp])).toEqual([[MessageType.AUDIO, 100], [MessageType.AUDIO, 120], [MessageType.VIDEO, 120]]);
      // The player's socket wrote the three messages with one writev (the publisher sends one message per writev).
      expect(writevs.some((bytes) => holdsExactly(bytes, tail))).toBe(true);
    } finally {
      writev.mockRestore();
    }
  });

  test('when the publisher deletes its stream, players get NetStream.Play.UnpublishNotify and are disconnected', async () => {
    const source = await publisher('cam');
    const { rtmp, streamId } = await onStream();
    await rtmp.play(streamId, 'cam');
    const notified = rtmp.status('NetStream.Play.UnpublishNotify');
    source.send(commandMessage({ name: 'deleteStream', transactionId: 0, commandObject: null, args: [1] }, { chunkStreamId: 3, messageStreamId: 0 }));
    expect(await notified).toMatchObject({ level: 'status' });
    await rtmp.closed;
    expect(paths.stream('cam')).toBeUndefined();
  });

  test('a refused connect gets NetConnection.Connect.Rejected with the reason and is disconnected', async () => {
    policy.connectDecision = { allowed: false, reason: '127.0.0.1 may not use application live' };
    const rtmp = await client();
    expect(await rtmp.connect('live')).toEqual({ level: 'error', code: 'NetConnection.Connect.Rejected', description: '127.0.0.1 may not use application live' });
    await rtmp.closed;
  });

  test('a refused publish gets BadName, a refused or unknown play StreamNotFound; each is disconnected', async () => {
    policy.streamDecision = async (request) => (request.streamKey === 'secret' ? { allowed: false, reason: 'not registered' } : { allowed: true });
    const a = await onStream();
    expect(await a.rtmp.publish(a.streamId, 'secret')).toEqual({ level: 'error', code: 'NetStream.Publish.BadName', description: 'not registered' });
    await a.rtmp.closed;
    const b = await onStream();
    expect(await b.rtmp.play(b.streamId, 'secret')).toMatchObject({ level: 'error', code: 'NetStream.Play.StreamNotFound' });
    await b.rtmp.closed;
    const c = await onStream();
    expect(await c.rtmp.play(c.streamId, 'nobody')).toEqual({ level: 'error', code: 'NetStream.Play.StreamNotFound', description: 'nobody is not published' });
    await c.rtmp.closed;
    expect(paths.streams()).toEqual([]);
  });

  test('a client that leaves while its publish is being authorized publishes nothing', async () => {
    let decision!: Promise<AccessDecision>;
    const asked = new Promise<void>((resolve) => {
      policy.streamDecision = (_request, signal) => {
        // Allowed, but only once the session has noticed that the client left (it aborts the request).
        decision = new Promise((allow) => signal.addEventListener('abort', () => allow({ allowed: true })));
        resolve();
        return decision;
      };
    });
    const published: string[] = [];
    paths.on('path-published', (path) => published.push(path.name));
    const { rtmp, streamId } = await onStream();
    const answer = rtmp.publish(streamId, 'late').catch((error: Error) => error.message);
    await asked;
    rtmp.destroy();
    expect(await answer).toMatch(/closed the connection/);
    await decision; // the session's own continuation of the decision has run by now
    expect(published).toEqual([]);
  });

  test.each([
    ['publish before connect', async (rtmp: RtmpTestClient) => rtmp.send(commandMessage({ name: 'publish', transactionId: 0, commandObject: null, args: ['x'] }, { chunkStreamId: 8, messageStreamId: 1 }))],
    ['a command whose AMF is cut short', async (rtmp: RtmpTestClient) => rtmp.send({ chunkStreamId: 3, timestamp: 0, typeId: MessageType.COMMAND_AMF0, messageStreamId: 0, payload: encodeAmf0('connect', 1).subarray(0, 12) })],
    ['connect without an app', async (rtmp: RtmpTestClient) => rtmp.send(commandMessage({ name: 'connect', transactionId: 1, commandObject: { tcUrl: 'x' }, args: [] }, { chunkStreamId: 3, messageStreamId: 0 }))],
    ['play on a stream never created', async (rtmp: RtmpTestClient) => {
      await rtmp.connect('live');
      rtmp.send(commandMessage({ name: 'play', transactionId: 0, commandObject: null, args: ['cam'] }, { chunkStreamId: 8, messageStreamId: 7 }));
    }],
    ['a chunk size below 128 bytes', async (rtmp: RtmpTestClient) => rtmp.connection.setChunkSize(64)],
    ['a 100 kB command', async (rtmp: RtmpTestClient) => rtmp.send(commandMessage({ name: 'connect', transactionId: 1, commandObject: { app: 'x'.repeat(60_000), pad: 'y'.repeat(40_000) }, args: [] }, { chunkStreamId: 3, messageStreamId: 0 }))],
  ])('%s closes that connection only; a publisher meanwhile is unharmed', async (_what, misbehave) => {
    const source = await publisher('cam');
    const rtmp = await client();
    await misbehave(rtmp);
    await rtmp.closed;
    // A new reader starts on a keyframe: send one.
    const more = framesReach(paths.stream('cam')!, 1);
    source.send({ ...avcFrame(1120, true), messageStreamId: 1 });
    await more;
    expect(paths.stream('cam')?.closed).toBe(false);
  });

  test('close() drops every client and frees the port; their streams have ended when it resolves', async () => {
    await publisher('cam');
    const stream = paths.stream('cam')!;
    let endedWith: EndReason | undefined;
    stream.once('close', (reason) => (endedWith = reason));
    await listener.close(EndReasons.sessionDisconnect);
    // Not only once the port is free: the sessions end (and log their last line) on their sockets' 'close' events, which come later.
    expect(endedWith).toEqual(EndReasons.sessionDisconnect);
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => again.close(resolve));
    listener = await RtmpListener.listen({ ...DEFAULT_LIMIT_OPTIONS, host: '127.0.0.1', port, paths, access: policy, playerMaxQueuedMs: 5000, traceMessages: false, logger: pino({ level: 'silent' }) });
  });

  test('a player that falls more than its buffer behind skips whole GOPs; the publisher and the hub lose nothing', async () => {
    const slowPort = await getFreePort();
    const slow = await RtmpListener.listen({ ...DEFAULT_LIMIT_OPTIONS, host: '127.0.0.1', port: slowPort, paths, access: policy, playerMaxQueuedMs: 500, traceMessages: false, logger: pino({ level: 'silent' }) });
    try {
      const source = await publisher('big');
      source.connection.setChunkSize(65536);
      const player = await RtmpTestClient.open(slowPort);
      clients.push(player);
      await player.connect('live');
      const streamId = await player.createStream();
      await player.play(streamId, 'big');
      player.pauseReading();

      // 150 frames of 200 kB (30 MB, far more than the socket buffers hold), a keyframe every 10.
      const FRAMES = 150;
      const body = Buffer.alloc(200_000, 0x11);
      const arrived = framesReach(paths.stream('big')!, FRAMES);
      for (let i = 0; i < FRAMES; i++) {
        const ts = 2000 + i * 40;
        source.send({ ...avcFrame(ts, i % 10 === 0), payload: Buffer.concat([Buffer.from([i % 10 === 0 ? 0x17 : 0x27, 1, 0, 0, 0]), body]), messageStreamId: 1 });
      }
      await arrived;

      // Like a live source, keep sending (small keyframes) until the drained player is back on the live edge.
      const caughtUp = new Promise<void>((resolve) => player.connection.on('message', (m) => m.typeId === MessageType.VIDEO && m.timestamp >= FRAMES * 40 + 1000 && resolve()));
      player.resumeReading();
      let ts = 2000 + FRAMES * 40;
      const live = setInterval(() => source.send({ ...avcFrame((ts += 40), true), messageStreamId: 1 }), 20);
      await caughtUp.finally(() => clearInterval(live));

      const frames = player.received.filter((m) => m.typeId === MessageType.VIDEO).map((m) => ({ ts: m.timestamp, ...parseVideoTagBody(m.payload) })).filter((f) => f.avcPacketType === AvcPacketType.NALU);
      // The big frames sit at 1000 + i * 40 on the player's timeline (it started on the keyframe at source time 1000).
      const bigFrames = frames.filter((f) => f.ts >= 1000 && f.ts < 1000 + FRAMES * 40);
      expect(bigFrames.length).toBeGreaterThan(0);
      expect(bigFrames.length).toBeLessThan(FRAMES);
      // Every frame received is a keyframe or follows its predecessor: the gaps are whole GOPs.
      frames.forEach((frame, i) => {
        if (frame.frameType !== 1) expect(frame.ts - frames[i - 1]!.ts).toBe(40);
      });
      expect(paths.stream('big')?.closed).toBe(false);
    } finally {
      await slow.close(EndReasons.shutdown);
    }
  });

  test('with traceMessages (SERVER_TYPE_RTMP_DEBUG) every message received and sent is logged, tagged with the client', async () => {
    const lines: { client?: string; direction?: string; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const debugPort = await getFreePort();
    const debug = await RtmpListener.listen({ ...DEFAULT_LIMIT_OPTIONS, host: '127.0.0.1', port: debugPort, paths, access: policy, playerMaxQueuedMs: 5000, traceMessages: true, logger });
    try {
      const rtmp = await RtmpTestClient.open(debugPort);
      clients.push(rtmp);
      await rtmp.connect('live');
      await rtmp.createStream();
      const traced = lines.filter((line) => line.direction !== undefined).map((line) => `${line.direction} ${line.msg.split(' ').slice(0, 2).join(' ')}`);
      expect(traced).toEqual(['in command_amf0 connect', 'out window_ack_size 5000000', 'out set_peer_bandwidth 5000000', 'out set_chunk_size 4096', 'out command_amf0 _result', 'in command_amf0 createStream', 'out command_amf0 _result']);
      expect(lines.find((line) => line.direction === 'in')?.client).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await debug.close(EndReasons.shutdown);
    }
  });

  test('a port held by another program is refused with PORT_IN_USE', async () => {
    await expect(RtmpListener.listen({ ...DEFAULT_LIMIT_OPTIONS, host: '127.0.0.1', port, paths, access: policy, playerMaxQueuedMs: 5000, traceMessages: false, logger: pino({ level: 'silent' }) })).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: expect.stringContaining(`port ${port} is already in use`),
    });
  });
});
