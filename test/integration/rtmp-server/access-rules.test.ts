import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully } from '../../support/processes';
import { rtmpServersApi, type ApiAnswer } from './support/api-client';
import { publishTestPattern, streamPublished } from './support/ffmpeg-publisher';
import { RtmpTestClient, type StatusInfo } from './support/rtmp-test-client';

/** Another loopback address, so one machine has an address to allow and one to deny. */
const OTHER_ADDRESS = '127.0.0.2';

/** Publish and play rules managed over REST, enforced on real RTMP clients. */
describe('RTMP server access rules', () => {
  let dir: string;
  let gw: TestGateway;
  let webhook: http.Server;
  let webhookUrl: string;
  const webhookCalls: unknown[] = [];
  const clients: RtmpTestClient[] = [];

  const api = (route: string, body?: unknown): Promise<ApiAnswer> => rtmpServersApi(gw.httpUrl, route, body);

  async function createServer(): Promise<{ id: string; port: number }> {
    const port = await getFreePort();
    const created = await api('/create', { server_name: `rules-${port}`, server_port: port });
    expect(created.status).toBe(200);
    return { id: created.body.id, port };
  }

  async function addRule(fields: Record<string, unknown>): Promise<any> {
    const created = await api('/rules/create', fields);
    expect(created.status).toBe(200);
    return created.body;
  }

  /** Connects (from `localAddress`) to `app`; resolves with the connect status and the client. */
  async function connect(port: number, app: string, localAddress?: string): Promise<{ status: StatusInfo; client: RtmpTestClient }> {
    const client = await RtmpTestClient.open(port, localAddress);
    clients.push(client);
    return { status: await client.connect(app), client };
  }

  /** Connects to `app` and publishes or plays `name`; resolves with the stream's first status. */
  async function request(port: number, action: 'publish' | 'play', app: string, name: string, localAddress?: string): Promise<StatusInfo> {
    const { status, client } = await connect(port, app, localAddress);
    expect(status.code).toBe('NetConnection.Connect.Success');
    const streamId = await client.createStream();
    return action === 'publish' ? client.publish(streamId, name) : client.play(streamId, name);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-rules-'));
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite') });
    // A validation webhook that approves the token "yes" only.
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const asked = JSON.parse(body) as { query: string };
        webhookCalls.push(asked);
        const allow = asked.query === 'token=yes';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(allow ? { allow } : { allow, reason: 'bad token' }));
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/validate`;
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  afterAll(async () => {
    await killAllChildren();
    await gw?.close();
    webhook?.closeAllConnections();
    await new Promise((resolve) => webhook?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  test('a registered key publishes; an unregistered key gets NetStream.Publish.BadName and is disconnected', async () => {
    const server = await createServer();
    await addRule({ server_id: server.id, rule_action: 'publish', rule_app: 'live', rule_stream_key: 'good' });
    expect(await request(server.port, 'publish', 'live', 'bad')).toEqual({
      level: 'error',
      code: 'NetStream.Publish.BadName',
      description: "stream key 'bad' is not registered for publish in application 'live'",
    });
    await clients.at(-1)!.closed;
    expect(await request(server.port, 'publish', 'live', 'good')).toMatchObject({ code: 'NetStream.Publish.Start' });
    // Play has no rules: anyone may watch.
    expect(await request(server.port, 'play', 'live', 'good')).toMatchObject({ code: 'NetStream.Play.Start' });
  });

  test('ffmpeg with the registered key publishes; ffmpeg with another key is refused and exits with an error', async () => {
    const server = await createServer();
    await addRule({ server_id: server.id, rule_action: 'publish', rule_app: 'live', rule_stream_key: 'ffkey' });
    const refused = publishTestPattern(`rtmp://127.0.0.1:${server.port}/live/intruder`, { seconds: 5 });
    const exit = await refused.exited;
    expect(exit.code).not.toBe(0);
    expect(gw.gateway.paths.stream('intruder')).toBeUndefined();
    const allowed = publishTestPattern(`rtmp://127.0.0.1:${server.port}/live/ffkey`);
    await streamPublished(gw.gateway.paths, 'ffkey', allowed, 20_000);
    await stopGracefully(allowed.child);
  });

  test('a denied address gets NetConnection.Connect.Rejected; an allowed one connects and plays', async () => {
    const server = await createServer();
    for (const action of ['publish', 'play']) {
      await addRule({ server_id: server.id, rule_action: action, rule_app: 'live', rule_stream_key: '*', rule_deny_ips: [`${OTHER_ADDRESS}/32`] });
    }
    const denied = await connect(server.port, 'live', OTHER_ADDRESS);
    expect(denied.status).toEqual({ level: 'error', code: 'NetConnection.Connect.Rejected', description: `${OTHER_ADDRESS} may not use application 'live' on this server` });
    await denied.client.closed;
    expect(await request(server.port, 'publish', 'live', 'open-cam')).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(await request(server.port, 'play', 'live', 'open-cam')).toMatchObject({ code: 'NetStream.Play.Start' });
  });

  test('a play rule limited to one address refuses other addresses with NetStream.Play.StreamNotFound', async () => {
    const server = await createServer();
    await addRule({ server_id: server.id, rule_action: 'publish', rule_app: 'live', rule_stream_key: '*' });
    await addRule({ server_id: server.id, rule_action: 'play', rule_app: 'live', rule_stream_key: '*', rule_allow_ips: ['127.0.0.1'] });
    expect(await request(server.port, 'publish', 'live', 'watched')).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(await request(server.port, 'play', 'live', 'watched', OTHER_ADDRESS)).toEqual({
      level: 'error',
      code: 'NetStream.Play.StreamNotFound',
      description: `${OTHER_ADDRESS} may not play 'live/watched'`,
    });
    expect(await request(server.port, 'play', 'live', 'watched')).toMatchObject({ code: 'NetStream.Play.Start' });
  });

  test('a webhook rule asks the webhook: its approval publishes, its refusal is BadName with its reason', async () => {
    const server = await createServer();
    await addRule({ server_id: server.id, rule_action: 'publish', rule_app: 'hooked', rule_stream_key: '*', rule_webhook_url: webhookUrl });
    expect(await request(server.port, 'publish', 'hooked', 'guest?token=no')).toEqual({ level: 'error', code: 'NetStream.Publish.BadName', description: 'bad token' });
    expect(await request(server.port, 'publish', 'hooked', 'guest?token=yes')).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(gw.gateway.paths.stream('guest')?.source.kind).toBe('rtmp');
    expect(webhookCalls.at(-1)).toEqual({ action: 'publish', server_id: server.id, server_name: `rules-${server.port}`, app: 'hooked', stream_key: 'guest', query: 'token=yes', client_ip: '127.0.0.1' });
  });

  test('rule changes apply to the next client without a restart', async () => {
    const server = await createServer();
    const rule = await addRule({ server_id: server.id, rule_action: 'publish', rule_app: 'live', rule_stream_key: 'first' });
    expect(await request(server.port, 'publish', 'live', 'second')).toMatchObject({ code: 'NetStream.Publish.BadName' });
    const updated = await api('/rules/update', { id: rule.id, rule_stream_key: 'second' });
    expect(updated.body).toEqual({ ...rule, rule_stream_key: 'second', rule_modified: expect.any(String) });
    expect(await request(server.port, 'publish', 'live', 'second')).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(await api('/rules/remove', { id: rule.id })).toEqual({ status: 200, body: { success: true } });
    expect(await request(server.port, 'publish', 'live', 'third')).toMatchObject({ code: 'NetStream.Publish.Start' });
  });

  test('rules are listed per server and found by id', async () => {
    const server = await createServer();
    const other = await createServer();
    const rule = await addRule({ server_id: server.id, rule_action: 'play', rule_app: '*', rule_stream_key: 'k', rule_allow_ips: ['10.0.0.0/8', '::1'] });
    await addRule({ server_id: other.id, rule_action: 'play', rule_app: '*', rule_stream_key: '*' });
    expect(rule).toEqual({
      id: expect.any(String),
      server_id: server.id,
      rule_action: 'play',
      rule_app: '*',
      rule_stream_key: 'k',
      rule_webhook_url: null,
      rule_allow_ips: ['10.0.0.0/8', '::1'],
      rule_deny_ips: [],
      rule_created: expect.any(String),
      rule_modified: rule.rule_created,
    });
    expect(await api('/rules/getAll', { server_id: server.id })).toEqual({ status: 200, body: [rule] });
    expect(await api('/rules/getById', { id: rule.id })).toEqual({ status: 200, body: rule });
    expect((await api('/rules/getAll')).body.length).toBeGreaterThanOrEqual(2);
  });

  test.each([
    ['an unknown server', { server_id: 'nope', rule_action: 'publish', rule_app: 'live', rule_stream_key: 'k' }, 404, 'No RTMP server with id nope'],
    ['a bad action', { rule_action: 'record', rule_app: 'live', rule_stream_key: 'k' }, 400, 'rule_action must be one of: publish, play'],
    ['no stream key', { rule_action: 'publish', rule_app: 'live' }, 400, 'rule_stream_key is required'],
    ['a bad CIDR', { rule_action: 'publish', rule_app: 'live', rule_stream_key: 'k', rule_deny_ips: ['10.0.0.0/40'] }, 400, 'prefix of "10.0.0.0/40" must be 0..32'],
    ['a host name instead of an address', { rule_action: 'publish', rule_app: 'live', rule_stream_key: 'k', rule_allow_ips: ['localhost'] }, 400, '"localhost" is not an IP address or CIDR range'],
    ['a webhook that is not http(s)', { rule_action: 'publish', rule_app: 'live', rule_stream_key: 'k', rule_webhook_url: 'ftp://x/y' }, 400, 'rule_webhook_url must be an http:// or https:// URL'],
  ])('creating a rule with %s is refused with the right status', async (_what, fields, status, message) => {
    const server = await createServer();
    const answer = await api('/rules/create', { server_id: server.id, ...fields });
    expect(answer.status).toBe(status);
    expect(answer.body.message).toContain(message);
  });

  test('unknown rule ids are 404', async () => {
    for (const route of ['/rules/getById', '/rules/update', '/rules/remove']) {
      expect(await api(route, { id: 'nope' })).toMatchObject({ status: 404, body: { message: 'No access rule with id nope' } });
    }
    expect((await api('/rules/getAll', { server_id: 'nope' })).status).toBe(404);
  });
});
