import net from 'node:net';
import WebSocket from 'ws';
import { createLogger } from '../../../server/log';
import type { PublishService } from '../../../server/signalling/publish-service';
import { SignallingServer } from '../../../server/signalling/signalling-server';
import { getFreePort } from '../../support/ports';
import { testSignallingOptions } from '../../support/signalling-options';

/** Rejects with `what` if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Opens a WebSocket by hand and then ignores everything: it never answers the server's close frame. */
async function deafClient(port: number): Promise<{ closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  const response = await new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString())));
  expect(response).toMatch(/^HTTP\/1\.1 101 /);
  return { closed };
}

/**
 * Shutdown of the signalling: close() must not resolve while a session's socket is still open, or
 * what the session logs on its 'close' event lands after the gateway said "stopped".
 */
describe('SignallingServer.close()', () => {
  const publisher: PublishService = { publish: () => Promise.reject(new Error('not used')) };
  let server: SignallingServer;
  let port: number;
  let lines: Array<{ msg: string }>;
  /** Resolves on the next line whose msg is `msg`. */
  let logged: (msg: string) => Promise<void>;

  beforeEach(async () => {
    lines = [];
    const waiters: Array<{ msg: string; resolve: () => void }> = [];
    logged = (msg) => new Promise((resolve) => waiters.push({ msg, resolve }));
    const logger = createLogger('info', {
      write: (line: string) => {
        const parsed = JSON.parse(line) as { msg: string };
        lines.push(parsed);
        for (const waiter of waiters.filter((w) => w.msg === parsed.msg)) waiter.resolve();
      },
    });
    server = new SignallingServer(publisher, logger, testSignallingOptions());
    port = await getFreePort();
    await server.listen({ host: '127.0.0.1', wsPort: port, wssPort: 0 });
  });

  afterEach(async () => {
    await server.close();
  });

  test('resolves after the client has answered the close handshake (1001) and its socket is closed; nothing is logged after', async () => {
    const opened = logged('signalling session opened');
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const clientClosed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    await opened;

    await server.close();
    const linesAtClose = lines.length;
    expect(lines.at(-1)?.msg).toBe('signalling session closed');
    expect(await within(clientClosed, 1000, 'the client seeing the close')).toBe(1001);
    expect(lines.length).toBe(linesAtClose);
  });

  test('a client that never answers the close handshake is cut off after about 1 s, not the 30 s ws would wait', async () => {
    const opened = logged('signalling session opened');
    const client = await deafClient(port);
    await opened;

    const started = performance.now();
    await within(server.close(), 5000, 'close()');
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    // The server destroyed the socket before close() resolved: the client sees it at once.
    await within(client.closed, 1000, 'the client socket closing');
    expect(lines.at(-1)?.msg).toBe('signalling session closed');
  });

  test('is idempotent', async () => {
    await server.close();
    await server.close();
  });
});
