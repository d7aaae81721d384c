import pino from 'pino';
import type { LimitName, LimitReporter } from '../../../server/metrics/limits';
import type { PublishService } from '../../../server/signalling/publish-service';
import { SignallingServer } from '../../../server/signalling/signalling-server';
import { getFreePort } from '../../support/ports';
import { jsonWithBomb, nestedArrayText, SignallingClient, within } from '../../support/signalling-client';
import { testSignallingOptions } from '../../support/signalling-options';

/** 10 KB of nested array: 5000 levels, past JSON.stringify's stack (the crash of the attack). */
const BOMB = nestedArrayText(5000);

/** Frames no client should send: the session answers or ignores each, and neither it nor the process falls over. */
describe('signalling under hostile frames', () => {
  let server: SignallingServer;
  let url: string;
  let publish: PublishService['publish'];
  let reporter: LimitReporter;

  beforeEach(async () => {
    publish = () => Promise.reject(new Error('not used'));
    reporter = { reached: () => undefined };
    server = new SignallingServer({ publish: (...args) => publish(...args) }, pino({ level: 'silent' }), testSignallingOptions({}, { reporter: { reached: (limit: LimitName) => reporter.reached(limit) } }));
    const port = await getFreePort();
    await server.listen({ host: '127.0.0.1', wsPort: port, wssPort: 0 });
    url = `ws://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await server.close();
  });

  test('a 10 KB connection message with a deeply nested array is answered with bounded scalars only; the session goes on', async () => {
    const client = await SignallingClient.open(url);
    const frame = jsonWithBomb({ message: 'connection', data: [{ appKey: 'defaultApp', clientVersion: '2.0', custom: 'BOMB', mediaProviders: 'BOMB', sipLogin: 'BOMB' }] }, BOMB);
    expect(frame.length).toBeGreaterThan(10_000);
    const userData = client.next('getUserData');
    client.ws.send(frame);
    const answer = (await userData).data[0];
    expect(answer).toEqual({ appKey: 'defaultApp', clientVersion: '2.0', sessionId: expect.any(String), authToken: answer.sessionId, status: 'ESTABLISHED' });
    const pong = client.next('pong');
    client.send('ping', null);
    await pong;
    client.close();
  });

  test('nested arrays and objects in every field, oversized strings, wrong types: each is refused or ignored and answered by value', async () => {
    const client = await SignallingClient.open(url);
    const send = (message: unknown, data: unknown): void => client.ws.send(jsonWithBomb({ message, data: [data] }, BOMB));
    // A nested appKey is dropped, not logged or echoed.
    const userData = client.next('getUserData');
    client.ws.send(`{"message":"connection","data":[{"appKey":${BOMB},"clientVersion":{"toString":${BOMB}},"authToken":${BOMB},"keepAlive":"yes","custom":{"a":${BOMB},"b":"kept","__proto__":{"polluted":true}}}]}`);
    expect(Object.keys((await userData).data[0]).sort()).toEqual(['authToken', 'sessionId', 'status']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const statuses: string[] = [];
    for (const descriptor of [
      'BOMB',
      { mediaSessionId: 'BOMB', name: 'cam', sdp: 'v=0' },
      { mediaSessionId: 'x'.repeat(200_000), name: 'cam', sdp: 'v=0' },
      { mediaSessionId: 'id-1', name: 'BOMB', sdp: 'v=0' },
      { mediaSessionId: 'id-1', name: 'n'.repeat(300), sdp: 'v=0' },
      { mediaSessionId: 'id-1', name: 'cam', sdp: 'BOMB' },
      { mediaSessionId: 'id-1', name: 'cam', sdp: 'v=0', rtmpUrl: 'rtmp://'.padEnd(5000, 'x') },
    ]) {
      const answer = client.next('notifyStreamStatusEvent');
      send('publishStream', descriptor);
      const event = (await answer).data[0];
      expect(event.status).toBe('FAILED');
      // What the client sent is echoed only when it is a short string.
      expect(typeof event.mediaSessionId === 'string' && event.mediaSessionId.length <= 128).toBe(true);
      expect(typeof event.name === 'string' && event.name.length <= 256).toBe(true);
      statuses.push(event.info);
    }
    expect(statuses).toEqual([
      'MediaSessionId is null',
      'MediaSessionId is null',
      'MediaSessionId is longer than 128 characters',
      'Stream name is empty',
      'Stream name is longer than 256 characters',
      'publishStream has no SDP offer',
      'rtmpUrl is longer than 2048 characters',
    ]);
    for (const name of ['unPublishStream', 'stopStream', 'playStream', 'x'.repeat(100_000)]) send(name, 'BOMB');
    client.ws.send(`{"message":${BOMB},"data":${BOMB}}`);
    const pong = client.next('pong');
    send('ping', 'BOMB');
    await pong;
    client.close();
  });

  test('a handler that throws is logged and answered with fail; the session and the server go on', async () => {
    const client = await SignallingClient.open(url);
    await client.connect();
    publish = () => new Promise(() => undefined);
    reporter = {
      reached: () => {
        throw new Error('a broken reporter');
      },
    };
    // The second publish reaches the per-session bound, whose reporter throws outside any try of the handler.
    const options = testSignallingOptions();
    for (let i = 0; i <= options.limits.maxPublishesPerSession; i++) client.send('publishStream', { mediaSessionId: `id-${i}`, name: `cam${i}`, sdp: 'v=0' });
    const fail = await client.next('fail');
    expect(fail.data[0]).toEqual({ apiMethod: 'publishStream', info: 'Failed by error' });
    const pong = client.next('pong');
    client.send('ping', null);
    await pong;
    client.close();
  });

  test('a client that never reads what it is sent is cut off before its unsent answers pile up', async () => {
    const client = await SignallingClient.open(url);
    await client.connect();
    // Stop reading: the server's answers fill the kernel buffers, then ws's own queue. Each answer
    // echoes the longest id and name accepted, so it is larger than the request.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const request = JSON.stringify({ message: 'publishStream', data: [{ mediaSessionId: 'i'.repeat(128), name: 'n'.repeat(256) }] });
    let sent = 0;
    for (; sent < 200_000 && client.ws.readyState === client.ws.OPEN; sent++) {
      client.ws.send(request);
      if (sent % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const { code } = await within(client.closed, 10_000, 'the server cutting the client off');
    expect(code).toBe(1006);
    expect(sent).toBeLessThan(200_000);
  });
});
