import net from 'node:net';
import pino from 'pino';
import type { LimitName } from '../../../server/metrics/limits';
import type { PublishCallbacks, PublishHandle, PublishService } from '../../../server/signalling/publish-service';
import type { PublishStreamRequest } from '../../../server/signalling/protocol';
import { SignallingServer, type SignallingLimits } from '../../../server/signalling/signalling-server';
import { getFreePort } from '../../support/ports';
import { SignallingClient, tryOpen, within } from '../../support/signalling-client';
import { testSignallingOptions } from '../../support/signalling-options';

/** Publishes that negotiate at once and stay up until stopped. */
class AcceptingPublishService implements PublishService {
  async publish(offered: PublishStreamRequest, callbacks: PublishCallbacks): Promise<PublishHandle> {
    await callbacks.authorize(offered);
    return { answerSdp: 'v=0\r\n', stop: (reason) => callbacks.onEnded(reason.info, false) };
  }
}

/** Each bound of the signalling, with its counter and its refusal. */
describe('signalling limits', () => {
  let server: SignallingServer | undefined;
  let url: string;
  let port: number;
  let reached: LimitName[];

  async function start(limits: Partial<SignallingLimits>): Promise<void> {
    reached = [];
    server = new SignallingServer(new AcceptingPublishService(), pino({ level: 'silent' }), testSignallingOptions(limits, { reporter: { reached: (limit) => void reached.push(limit) } }));
    port = await getFreePort();
    await server.listen({ host: '127.0.0.1', wsPort: port, wssPort: 0 });
    url = `ws://127.0.0.1:${port}`;
  }

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('per address: the excess upgrade gets 429; a slot frees when its connection closes', async () => {
    await start({ maxConnections: 100, maxConnectionsPerIp: 2 });
    const first = await SignallingClient.open(url, '127.0.0.2');
    await SignallingClient.open(url, '127.0.0.2');
    expect((await tryOpen(url, '127.0.0.2')).outcome).toBe(429);
    // Another address is counted apart.
    await SignallingClient.open(url, '127.0.0.3');
    first.close();
    await first.closed;
    await waitUntil(async () => (await tryOpen(url, '127.0.0.2')).outcome === 'open');
    // A retry may come before the server has seen the close: each refusal is counted.
    expect(new Set(reached)).toEqual(new Set(['ws_connections_per_ip']));
  });

  test('in total: the excess upgrade gets 503, whatever its address', async () => {
    await start({ maxConnections: 3, maxConnectionsPerIp: 10 });
    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) await SignallingClient.open(url, address);
    expect((await tryOpen(url, '127.0.0.5')).outcome).toBe(503);
    expect(reached).toEqual(['ws_connections']);
  });

  test('a WebSocket that never sends connection is closed with 1008 at the handshake timeout; one that does is kept', async () => {
    await start({ handshakeTimeoutMs: 300 });
    const silent = await SignallingClient.open(url);
    const talking = await SignallingClient.open(url);
    await talking.connect();
    expect(await within(silent.closed, 2000, 'the silent client being closed')).toEqual({ code: 1008, reason: 'no connection message within 300 ms' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(talking.ws.readyState).toBe(talking.ws.OPEN);
    expect(reached).toEqual(['ws_handshake_timeout']);
  });

  test('a TCP connection that never upgrades is dropped at the handshake timeout; a plain HTTP request gets 426', async () => {
    await start({ handshakeTimeoutMs: 300 });
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Reading is what lets the client see the server's end of the connection.
    socket.resume();
    const started = performance.now();
    await within(new Promise((resolve) => socket.once('close', resolve)), 3000, 'the idle TCP connection being dropped');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(426);
  });

  test('publishes per session: the excess gets FAILED with the bound; a stopped publish frees its place', async () => {
    await start({ maxPublishesPerSession: 2 });
    const client = await SignallingClient.open(url);
    await client.connect();
    const offer = (id: string): Record<string, unknown> => ({ mediaSessionId: id, name: `cam-${id}`, sdp: 'v=0\r\n' });
    for (const id of ['a', 'b']) {
      const answer = client.next('setRemoteSDP');
      client.send('publishStream', offer(id));
      await answer;
    }
    let status = client.next('notifyStreamStatusEvent');
    client.send('publishStream', offer('c'));
    expect((await status).data[0]).toMatchObject({ mediaSessionId: 'c', status: 'FAILED', info: 'Too many streams published in this session (at most 2)' });
    expect(reached).toEqual(['ws_publishes_per_session']);
    status = client.next('notifyStreamStatusEvent');
    client.send('unPublishStream', { mediaSessionId: 'a' });
    expect((await status).data[0]).toMatchObject({ mediaSessionId: 'a', status: 'UNPUBLISHED' });
    const answer = client.next('setRemoteSDP');
    client.send('publishStream', offer('c'));
    expect((await answer).data[0]).toBe('c');
  });

  test('a repeated connection message is ignored', async () => {
    await start({});
    const client = await SignallingClient.open(url);
    await client.connect();
    client.send('connection', { appKey: 'again' });
    const pong = client.next('pong');
    client.send('ping', null);
    await pong;
    expect(client.frames.map((f) => f.message)).toEqual(['getUserData', 'pong']);
  });
});

/** Polls `check` every 20 ms for up to 2 s. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met within 2 s');
}
