import http from 'node:http';
import type net from 'node:net';
import { createLogger } from '../../../server/log';
import { StateWebhook } from '../../../server/webhook/state-webhook';

/** Rejects with `what` if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Shutdown of the state webhook: nothing of it may outlive close(), neither a request nor a log line. */
describe('StateWebhook.close()', () => {
  let receiver: http.Server;
  let url: string;

  beforeEach(async () => {
    receiver = http.createServer();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/state`;
  });

  afterEach(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('a POST the receiver never answers is abandoned when the grace period ends, and its failure is logged before close() resolves', async () => {
    const lines: Array<{ msg: string; reason?: string }> = [];
    const webhook = new StateWebhook(url, createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }));
    // The receiver takes the request and never answers.
    const requestSocket = new Promise<net.Socket>((resolve) => receiver.once('request', (req: http.IncomingMessage) => resolve(req.socket)));
    webhook.notify({ state: 'stopped' });
    const socket = await requestSocket;
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    await webhook.close();
    const linesAtClose = lines.length;
    expect(lines.at(-1)).toMatchObject({ msg: 'state webhook delivery failed' });
    // Abandoned now, not when its own 5 s timeout ends.
    await within(socketClosed, 1000, 'the POST being abandoned');
    expect(lines.length).toBe(linesAtClose);
  });
});
