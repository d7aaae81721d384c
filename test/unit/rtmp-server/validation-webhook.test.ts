import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { askValidationWebhook, type ValidationRequest } from '../../../server/rtmp-servers/validation-webhook';

const REQUEST: ValidationRequest = { action: 'publish', server_id: 's1', server_name: 'studio', app: 'live', stream_key: 'cam', query: 'token=1', client_ip: '127.0.0.1' };

describe('askValidationWebhook', () => {
  let server: http.Server;
  let url: string;
  let respond: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => respond(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const answer = (status: number, body: string) => (_req: http.IncomingMessage, _body: string, res: http.ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);

  test('POSTs the request as JSON and allows on {"allow": true}', async () => {
    let seen: { method?: string; type?: string; body?: unknown } = {};
    respond = (req, body, res) => {
      seen = { method: req.method, type: req.headers['content-type'], body: JSON.parse(body) };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"allow": true}');
    };
    expect(await askValidationWebhook(url, REQUEST, new AbortController().signal)).toEqual({ allowed: true });
    expect(seen).toEqual({ method: 'POST', type: 'application/json', body: REQUEST });
  });

  test.each([
    ['{"allow": false, "reason": "expired token"}', 200, { allowed: false, reason: 'expired token' }],
    ['{"allow": false}', 200, { allowed: false, reason: 'refused by the validation webhook' }],
    ['{"allow": "yes"}', 200, { allowed: false, reason: 'the validation webhook answered 200 without {"allow": true}' }],
    ['not json', 200, { allowed: false, reason: 'the validation webhook answered 200 without {"allow": true}' }],
    ['null', 200, { allowed: false, reason: 'the validation webhook answered 200 without {"allow": true}' }],
    ['{"allow": true}', 500, { allowed: false, reason: 'the validation webhook answered 500 without {"allow": true}' }],
  ])('%s with status %i refuses', async (body, status, decision) => {
    respond = answer(status, body);
    expect(await askValidationWebhook(url, REQUEST, new AbortController().signal)).toEqual(decision);
  });

  test('an unreachable webhook refuses (fail closed)', async () => {
    const decision = await askValidationWebhook('http://127.0.0.1:1/check', REQUEST, new AbortController().signal);
    expect(decision).toMatchObject({ allowed: false, reason: expect.stringContaining('could not be asked') });
  });

  test('an aborted request (the client left) refuses without waiting for the webhook', async () => {
    respond = () => undefined; // never answers
    const abort = new AbortController();
    const decided = askValidationWebhook(url, REQUEST, abort.signal);
    abort.abort();
    expect(await decided).toMatchObject({ allowed: false });
  });
});
