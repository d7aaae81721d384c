import net from 'node:net';
import v8 from 'node:v8';
import { RtmpConnection } from '../../../server/rtmp/connection';
import { MessageType, type OutgoingRtmpMessage, type RtmpMessage } from '../../../server/rtmp/protocol/messages';

let listener: net.Server;
let client: RtmpConnection;
let server: RtmpConnection;
let serverSocket: net.Socket;

beforeEach(async () => {
  listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  client = new RtmpConnection(net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1'), { role: 'client' });
  serverSocket = await accepted;
  server = new RtmpConnection(serverSocket, { role: 'server' });
  await Promise.all([client, server].map((end) => new Promise<void>((resolve) => end.once('ready', resolve))));
});

afterEach(async () => {
  client.destroy();
  serverSocket.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

const video = (timestamp: number, length: number, fill: number): OutgoingRtmpMessage => ({ chunkStreamId: 6, timestamp, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(length, fill) });

function collect(end: RtmpConnection, count: number): Promise<RtmpMessage[]> {
  const got: RtmpMessage[] = [];
  return new Promise((resolve) =>
    end.on('message', (message) => {
      got.push(message);
      if (got.length === count) resolve(got);
    }),
  );
}

test('a detached connection resumed on the same socket continues mid-message, with its chunk size and counters, and the old one stays silent', async () => {
  const first = collect(server, 2);
  client.setChunkSize(1000);
  server.setChunkSize(4096);
  client.send(video(0, 100, 1));
  await first;
  const oldMessages: RtmpMessage[] = [];
  server.on('message', (m) => oldMessages.push(m));
  const oldClosed = jest.fn();
  server.on('close', oldClosed);

  const received = server.bytesReceived;
  const snapshot = v8.deserialize(v8.serialize(server.detach())) as ReturnType<RtmpConnection['detach']>;
  expect(snapshot).toMatchObject({ outgoingChunkSize: 4096, bytesReceived: received });
  expect(snapshot.reader.chunkSize).toBe(1000);
  expect(server.send(video(0, 10, 0))).toBe(false);
  server.destroy();
  expect(serverSocket.destroyed).toBe(false);

  // Sent while nobody reads: waits in the socket, then in the snapshot or the kernel.
  client.send(video(40, 2500, 2));
  client.send(video(80, 10, 3));
  const resumed = RtmpConnection.resume(serverSocket, snapshot, {});
  const rest = collect(resumed, 2);
  resumed.resumeReading();
  const [big, small] = await rest;
  expect(big).toMatchObject({ timestamp: 40, messageStreamId: 1 });
  expect(big!.payload.equals(Buffer.alloc(2500, 2))).toBe(true);
  expect(small).toMatchObject({ timestamp: 80 });
  expect(resumed.bytesReceived).toBeGreaterThan(received + 2510);

  // Our announced chunk size still holds for what the resumed side sends.
  const back = collect(client, 1);
  resumed.send(video(0, 5000, 4));
  expect((await back)[0]!.payload.equals(Buffer.alloc(5000, 4))).toBe(true);

  const closed = new Promise<void>((resolve) => resumed.once('close', () => resolve()));
  client.destroy();
  await closed;
  expect(oldMessages).toEqual([]);
  expect(oldClosed).not.toHaveBeenCalled();
});

test('a snapshot with a counter out of range is refused', () => {
  const snapshot = server.detach();
  expect(() => RtmpConnection.resume(serverSocket, { ...snapshot, lastAcknowledged: snapshot.bytesReceived + 1 }, {})).toThrow('invalid connection snapshot: last acknowledged');
  expect(() => RtmpConnection.resume(serverSocket, { ...snapshot, outgoingChunkSize: 0 }, {})).toThrow('invalid connection snapshot: outgoing chunk size');
});
