import { createHash } from 'node:crypto';
import { RtmpPublishClient, type RtmpPublishClientOptions } from '../../../server/rtmp/client';
import { RtmpClientError } from '../../../server/rtmp/client-errors';
import { ChunkWriter } from '../../../server/rtmp/protocol/chunk-writer';
import { buildAvcNalu } from '../../../server/rtmp/protocol/flv';
import { commandMessage, MessageType, parseAcknowledgement, parseCommand, parseUserControl, userControlMessage, windowAckSizeMessage } from '../../../server/rtmp/protocol/messages';
import { parseRtmpUrl } from '../../../server/rtmp/protocol/url';
import { type CommandHandlers, FakeRtmpServer } from '../../support/fake-rtmp-server';

let server: FakeRtmpServer | undefined;
const clients: RtmpPublishClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((client) => client.destroy());
  await server?.close();
  server = undefined;
});

async function start(handlers: CommandHandlers = {}, url = 'rtmp://127.0.0.1:PORT/live', options: Partial<RtmpPublishClientOptions> = {}): Promise<RtmpPublishClient> {
  server = await FakeRtmpServer.start(handlers);
  const client = new RtmpPublishClient({ target: parseRtmpUrl(url.replace('PORT', String(server.port))), streamName: 'key', connectTimeoutMs: 3000, publishSettleMs: 0, ...options });
  clients.push(client);
  return client;
}

async function connectError(client: RtmpPublishClient, signal?: AbortSignal): Promise<RtmpClientError> {
  const error: unknown = await client.connect(signal).then(
    () => new Error('connect() unexpectedly succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof RtmpClientError)) throw error;
  return error;
}

test('sends the FMLE command sequence and the connect object, then media on the created stream', async () => {
  const client = await start();
  await client.connect();
  expect(client.connected).toBe(true);
  client.sendVideo(40, buildAvcNalu(true, Buffer.from([0, 0, 0, 1, 0x65])));
  client.sendAudio(23, Buffer.from([0xaf, 1, 2]));

  await server!.message((m) => m.typeId === MessageType.AUDIO);
  const received = server!.received[0]!;
  expect(server!.commandNames()[0]).toEqual(['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish']);
  const connect = parseCommand(received.find((m) => m.typeId === MessageType.COMMAND_AMF0)!);
  expect(connect.commandObject).toEqual({
    app: 'live',
    type: 'nonprivate',
    flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
    tcUrl: `rtmp://127.0.0.1:${server!.port}/live`,
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
  });
  const publish = received.map((m) => ({ m, c: m.typeId === MessageType.COMMAND_AMF0 ? parseCommand(m) : undefined })).find((x) => x.c?.name === 'publish')!;
  expect(publish.c!.args).toEqual(['key', 'live']);
  expect(publish.m.messageStreamId).toBe(1);
  const video = received.find((m) => m.typeId === MessageType.VIDEO)!;
  const audio = received.find((m) => m.typeId === MessageType.AUDIO)!;
  expect(video).toMatchObject({ timestamp: 40, messageStreamId: 1 });
  expect(video.payload.toString('hex')).toBe('17010000000000000165');
  expect(audio).toMatchObject({ timestamp: 23, messageStreamId: 1 });
  expect(audio.chunkStreamId).not.toBe(video.chunkStreamId);
});

test('answers PingRequest, acknowledges per window size, honours the server chunk size and ignores unknown messages', async () => {
  const client = await start({
    connect: (c) => {
      c.connection.send(windowAckSizeMessage(1000));
      c.connection.setChunkSize(16);
      c.connection.send({ chunkStreamId: 3, timestamp: 0, typeId: 99, messageStreamId: 0, payload: Buffer.alloc(10) });
      c.connection.send({ chunkStreamId: 3, timestamp: 0, typeId: MessageType.AGGREGATE, messageStreamId: 0, payload: Buffer.alloc(10) });
      c.reply(true, null, { level: 'status', code: 'NetConnection.Connect.Success', description: 'padding '.repeat(150) });
    },
  });
  await client.connect();
  server!.connections[0]!.send(userControlMessage({ event: 'pingRequest', timestamp: 4321 }));
  const pong = await server!.message((m) => m.typeId === MessageType.USER_CONTROL);
  const received = server!.received[0]!;
  expect(parseUserControl(pong.payload)).toEqual({ event: 'pingResponse', timestamp: 4321 });
  // Byte counts include the handshake; one acknowledgement per 1000 bytes at most.
  const acks = received.filter((m) => m.typeId === MessageType.ACKNOWLEDGEMENT).map((m) => parseAcknowledgement(m.payload));
  const sentByServer = server!.connections[0]!.bytesSent;
  expect(acks.length).toBeGreaterThanOrEqual(1);
  expect(acks.length).toBeLessThanOrEqual(sentByServer / 1000);
  expect(acks[0]).toBeGreaterThanOrEqual(1000);
  expect(acks.at(-1)).toBeLessThanOrEqual(sentByServer);
});

test('a target that floods PingRequest and never reads cannot grow the memory of the push: its replies are withheld, then the session is dropped', async () => {
  const maxUnsentBytes = 64 * 1024;
  const client = await start({}, undefined, { maxUnsentBytes });
  await client.connect();
  const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
  server!.stopReading();
  // 10 000 pings in one buffer (type 0 header, then 1-byte type 3 headers: 7 bytes a ping); the reply to each is as long.
  const writer = new ChunkWriter();
  const ping = userControlMessage({ event: 'pingRequest', timestamp: 1 });
  const pings = Buffer.concat(Array.from({ length: 10_000 }, () => writer.write(ping)).flat());
  // Loopback socket buffers take a few MB of replies before the client's own buffer grows: flood up to 1M pings (7 MB).
  let maxBuffered = 0;
  for (let round = 0; round < 100 && client.connected; round++) {
    await server!.writeRaw(pings);
    await new Promise((resolve) => setImmediate(resolve));
    maxBuffered = Math.max(maxBuffered, client.bufferedBytes);
  }
  expect(client.connected).toBe(false);
  expect(await closed).toMatchObject({ code: 'SOCKET', message: expect.stringContaining(`limit ${maxUnsentBytes}`) });
  // Its socket buffer, replies and all, never held more than the limit.
  expect(maxBuffered).toBeLessThanOrEqual(maxUnsentBytes);
});

/** A server demanding Adobe authentication of user1/pass1, reading the auth parameters from the app's query. */
function adobeServer(apps: string[], opaque: string | undefined): CommandHandlers {
  const reject = (c: Parameters<NonNullable<CommandHandlers['connect']>>[0], description: string) =>
    c.reply(false, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: `[ AccessManager.Reject ] : ${description}` });
  return {
    connect: (c) => {
      const app = (c.command.commandObject as { app: string }).app;
      apps.push(app);
      const query = new URLSearchParams(app.includes('?') ? app.slice(app.indexOf('?') + 1) : '');
      if (query.get('authmod') !== 'adobe') return reject(c, '[ code=403 need auth; authmod=adobe ] : ');
      if (!query.has('response')) return reject(c, `[ authmod=adobe ] : ?reason=needauth&user=user1&salt=SALT&challenge=CHAL${opaque === undefined ? '' : `&opaque=${opaque}`}`);
      const md5 = (text: string) => createHash('md5').update(text).digest('base64');
      const expected = md5(md5('user1SALTpass1') + (opaque ?? 'CHAL') + query.get('challenge'));
      // URLSearchParams turns '+' into ' ': compare on the raw text.
      if (app.includes(`&response=${expected}`)) return c.reply(true, null, { level: 'status', code: 'NetConnection.Connect.Success', description: 'ok' });
      reject(c, '[ authmod=adobe ] : ?reason=authfailed');
    },
  };
}

test('Adobe authentication with credentials in the URL: appends authmod, then the challenge response, to the WCS-style app', async () => {
  const apps: string[] = [];
  const client = await start(adobeServer(apps, 'OPQ'), 'rtmp://user1:pass1@127.0.0.1:PORT/live');
  await client.connect();
  expect(apps).toEqual([
    'live/?user1&pass1',
    'live/?user1&pass1&authmod=adobe&user=user1',
    expect.stringMatching(/^live\/\?user1&pass1&authmod=adobe&user=user1&challenge=[0-9a-f]{8}&response=[A-Za-z0-9+/=]{24}&opaque=OPQ$/),
  ]);
  expect(server!.connections).toHaveLength(3);
});

test('Adobe authentication on a plain app uses ? and the challenge when there is no opaque', async () => {
  const apps: string[] = [];
  server = await FakeRtmpServer.start(adobeServer(apps, undefined));
  const target = { ...parseRtmpUrl(`rtmp://127.0.0.1:${server.port}/live`), credentials: { user: 'user1', password: 'pass1' } };
  const client = new RtmpPublishClient({ target, streamName: 'key', publishSettleMs: 0 });
  clients.push(client);
  await client.connect();
  expect(apps).toEqual(['live', 'live?authmod=adobe&user=user1', expect.stringMatching(/^live\?authmod=adobe&user=user1&challenge=[0-9a-f]{8}&response=[^&]+$/)]);
});

test('Adobe authentication with a wrong password ends in CONNECT_REJECTED after answering once', async () => {
  const apps: string[] = [];
  const client = await start(adobeServer(apps, 'OPQ'), 'rtmp://user1:wrong@127.0.0.1:PORT/live');
  const error = await connectError(client);
  expect(error.code).toBe('CONNECT_REJECTED');
  expect(error.message).toMatch(/wrong user or password/);
  expect(apps).toHaveLength(3);
});

test('a connect _error becomes CONNECT_REJECTED carrying the server description', async () => {
  const client = await start({ connect: (c) => c.reply(false, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'Application not found' }) });
  const error = await connectError(client);
  expect(error.code).toBe('CONNECT_REJECTED');
  expect(error.message).toContain('NetConnection.Connect.Rejected Application not found');
});

test('a publish onStatus error becomes PUBLISH_REJECTED with code and description', async () => {
  const client = await start({ publish: (c) => c.status('error', 'NetStream.Publish.BadName', 'Stream already publishing') });
  const error = await connectError(client);
  expect(error.code).toBe('PUBLISH_REJECTED');
  expect(error.message).toContain('NetStream.Publish.BadName Stream already publishing');
});

test('a connection dropped right after Publish.Start is PUBLISH_REJECTED within the settle time', async () => {
  const client = await start(
    {
      publish: (c) => {
        c.status('status', 'NetStream.Publish.Start', 'Start publishing');
        c.connection.destroy();
      },
    },
    undefined,
    { publishSettleMs: 1000 },
  );
  expect((await connectError(client)).code).toBe('PUBLISH_REJECTED');
});

test('an abort signal stops connect() with ABORTED', async () => {
  const controller = new AbortController();
  const client = await start({ createStream: () => controller.abort() });
  expect((await connectError(client, controller.signal)).code).toBe('ABORTED');
});

test('garbage from the server fails connect() with PROTOCOL', async () => {
  const client = await start({ connect: (c) => c.connection.send({ chunkStreamId: 2, timestamp: 0, typeId: MessageType.SET_CHUNK_SIZE, messageStreamId: 0, payload: Buffer.alloc(4) }) });
  expect((await connectError(client)).code).toBe('PROTOCOL');
});

test('after publishing: onStatus becomes a status event, a server drop a close event with SOCKET', async () => {
  const client = await start();
  await client.connect();
  const status = new Promise<[string, string]>((resolve) => client.once('status', (code, description) => resolve([code, description])));
  const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
  const connection = server!.connections[0]!;
  connection.send({ chunkStreamId: 5, timestamp: 0, typeId: MessageType.COMMAND_AMF0, messageStreamId: 1, payload: onStatus('NetStream.Publish.Idle', 'idle') });
  await expect(status).resolves.toEqual(['NetStream.Publish.Idle', 'idle']);
  connection.destroy();
  await expect(closed).resolves.toMatchObject({ code: 'SOCKET' });
  expect(client.connected).toBe(false);
  expect(() => client.sendVideo(0, Buffer.alloc(1))).not.toThrow();
});

test('close() sends FCUnpublish and deleteStream, is idempotent and emits close without error', async () => {
  const client = await start();
  await client.connect();
  const closes: (Error | undefined)[] = [];
  client.on('close', (error) => closes.push(error));
  await Promise.all([client.close(), client.close()]);
  await client.close();
  expect(closes).toEqual([undefined]);
  await server!.message((m) => m.typeId === MessageType.COMMAND_AMF0 && parseCommand(m).name === 'deleteStream');
  expect(server!.commandNames()[0]!.slice(-2)).toEqual(['FCUnpublish', 'deleteStream']);
});

test('destroy(reason) reports the reason on close', async () => {
  const client = await start();
  await client.connect();
  const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
  const reason = new Error('encoder gone');
  client.destroy(reason);
  await expect(closed).resolves.toBe(reason);
});

test('sending before connect() resolved is a programming error', async () => {
  const client = await start();
  expect(() => client.sendAudio(0, Buffer.alloc(1))).toThrow(/before connect/);
});

function onStatus(code: string, description: string): Buffer {
  return commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level: 'status', code, description }] }, { chunkStreamId: 5, messageStreamId: 1 }).payload;
}
