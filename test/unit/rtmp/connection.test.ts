import net from 'node:net';
import { RtmpConnection } from '../../../server/rtmp/connection';
import { MessageType, type OutgoingRtmpMessage, type RtmpMessage } from '../../../server/rtmp/protocol/messages';

/** Both ends of one RTMP connection over loopback TCP, handshake done. */
interface Pair {
  readonly client: RtmpConnection;
  readonly server: RtmpConnection;
}

let listener: net.Server;
let pair: Pair;

beforeEach(async () => {
  listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = new RtmpConnection(net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1'), { role: 'client' });
  const server = new RtmpConnection(await accepted, { role: 'server' });
  await Promise.all([client, server].map((end) => new Promise<void>((resolve) => end.once('ready', resolve))));
  pair = { client, server };
});

afterEach(async () => {
  pair.client.destroy();
  pair.server.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  jest.restoreAllMocks();
});

const video = (length: number): OutgoingRtmpMessage => ({ chunkStreamId: 6, timestamp: 40, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(length, 0x5a) });

const received = (end: RtmpConnection): Promise<RtmpMessage> => new Promise((resolve) => end.once('message', resolve));

test('send() writes all the chunks of a message in one writev and counts every byte of them', async () => {
  const writev = jest.spyOn(net.Socket.prototype, '_writev');
  const write = jest.spyOn(net.Socket.prototype, '_write');
  const before = pair.client.bytesSent;
  const message = received(pair.server);
  // 10 000 bytes at the default 128-byte chunk size: a 12-byte header, then 78 continuation chunks of 1 header byte.
  expect(pair.client.send(video(10_000))).toBe(true);
  expect(writev).toHaveBeenCalledTimes(1);
  expect(write).not.toHaveBeenCalled();
  expect(pair.client.bytesSent - before).toBe(12 + 10_000 + 78);
  expect((await message).payload.equals(Buffer.alloc(10_000, 0x5a))).toBe(true);
});

test("a send() over the socket's high-water mark returns false, and 'drain' follows", async () => {
  const drained = new Promise<void>((resolve) => pair.client.once('drain', resolve));
  const message = received(pair.server);
  expect(pair.client.send(video(1024 * 1024))).toBe(false);
  await drained;
  expect((await message).payload.length).toBe(1024 * 1024);
});
