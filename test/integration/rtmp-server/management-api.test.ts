import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { getFreePort } from '../../support/ports';
import { rtmpServersApi, type ApiAnswer } from './support/api-client';
import { holdPort, isListening, releasePort } from './support/ports';
import { RtmpTestClient } from './support/rtmp-test-client';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** /api/rtmp-servers/*: every call, every error case, the token, and persistence across a restart. */
describe('RTMP server management API', () => {
  let dir: string;
  let dbFile: string;
  let gw: TestGateway;
  const held: net.Server[] = [];
  const clients: RtmpTestClient[] = [];

  const api = (route: string, body?: unknown): Promise<ApiAnswer> => rtmpServersApi(gw.httpUrl, route, body);

  /**
   * A port free on the machine and claimed by no stored server: the OS may hand out again the port
   * of a server an earlier test stopped, which is free to bind but still taken in the store.
   */
  async function unusedPort(): Promise<number> {
    const stored = new Set(((await api('/getAll')).body as Array<{ server_port: number }>).map((s) => s.server_port));
    for (;;) {
      const port = await getFreePort();
      if (!stored.has(port)) return port;
    }
  }

  /** Creates a server on a free port and returns its record. */
  async function createServer(fields: Record<string, unknown> = {}): Promise<any> {
    const port = await unusedPort();
    const created = await api('/create', { server_name: `srv-${port}`, server_port: port, ...fields });
    expect(created.status).toBe(200);
    return created.body;
  }

  /** An RTMP client connected to `live` on `port`. */
  async function connectedClient(port: number): Promise<RtmpTestClient> {
    const client = await RtmpTestClient.open(port);
    clients.push(client);
    expect((await client.connect('live')).code).toBe('NetConnection.Connect.Success');
    return client;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-api-'));
    dbFile = path.join(dir, 'db', 'gateway.sqlite');
    gw = await startTestGateway({ rtmpServersDbFile: dbFile });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(held.splice(0).map(releasePort));
  });

  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a gateway never asked about RTMP servers writes no database file; the first call creates it', async () => {
    expect(existsSync(dbFile)).toBe(false);
    expect(await api('/getAll')).toEqual({ status: 200, body: [] });
    expect(existsSync(dbFile)).toBe(true);
  });

  test('create answers the server as Callaba does (defaults filled in) and it listens at once', async () => {
    const port = await unusedPort();
    const created = await api('/create', { server_name: 'Main ingest', server_port: port });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      server_name: 'Main ingest',
      server_type: 'SERVER_TYPE_RTMP',
      server_buflen: 5,
      server_port: port,
      server_active: true,
      server_created: expect.stringMatching(ISO_TIME),
      server_modified: created.body.server_created,
    });
    await connectedClient(port);
  });

  test('getAll lists every server, getById one of them', async () => {
    const a = await createServer({ server_type: 'SERVER_TYPE_RTMP_DEBUG', server_buflen: 2.5 });
    const b = await createServer({ server_active: false });
    const all = await api('/getAll');
    expect(all.status).toBe(200);
    expect(all.body).toEqual(expect.arrayContaining([a, b]));
    expect(await api('/getById', { id: b.id })).toEqual({ status: 200, body: b });
    expect(b.server_active).toBe(false);
    expect(await isListening(b.server_port)).toBe(false);
  });

  test.each([
    ['no server_name', { server_port: 1935 }, 'server_name is required'],
    ['no server_port', { server_name: 'x' }, 'server_port is required'],
    ['a blank server_name', { server_name: '  ', server_port: 1935 }, 'server_name must match'],
    ['port 0', { server_name: 'x', server_port: 0 }, 'server_port must be >= 1'],
    ['port 65536', { server_name: 'x', server_port: 65536 }, 'server_port must be <= 65535'],
    ['a port that is not a number', { server_name: 'x', server_port: '1935' }, 'server_port must be integer'],
    ['an unknown server_type', { server_name: 'x', server_port: 1935, server_type: 'SERVER_TYPE_SRT' }, 'server_type must be one of: SERVER_TYPE_RTMP, SERVER_TYPE_RTMP_DEBUG'],
    ['a zero server_buflen', { server_name: 'x', server_port: 1935, server_buflen: 0 }, 'server_buflen must be > 0'],
    ['a string server_active', { server_name: 'x', server_port: 1935, server_active: 'yes' }, 'server_active must be boolean'],
  ])('create with %s is a 400 that names the field', async (_what, body, message) => {
    const answer = await api('/create', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_BODY', message: expect.stringContaining(message) });
  });

  test('a duplicate name or port is a 409 that names the other server; nothing is stored', async () => {
    const first = await createServer();
    const before = (await api('/getAll')).body.length;
    const sameName = await api('/create', { server_name: first.server_name, server_port: await unusedPort() });
    expect(sameName).toMatchObject({ status: 409, body: { code: 'CONFLICT', message: `An RTMP server named '${first.server_name}' already exists (id ${first.id})` } });
    const samePort = await api('/create', { server_name: 'another', server_port: first.server_port });
    expect(samePort).toMatchObject({ status: 409, body: { message: `Port ${first.server_port} is already used by RTMP server '${first.server_name}' (id ${first.id})` } });
    expect((await api('/getAll')).body).toHaveLength(before);
  });

  test('a port held by another program is a 409 with the reason; nothing is stored', async () => {
    const port = await unusedPort();
    held.push(await holdPort(port));
    const answer = await api('/create', { server_name: 'blocked', server_port: port });
    expect(answer.status).toBe(409);
    expect(answer.body.message).toContain(`port ${port} is already in use`);
    expect((await api('/getAll')).body.some((s: { server_name: string }) => s.server_name === 'blocked')).toBe(false);
  });

  test('unknown ids are 404 and a missing id is 400, for every call', async () => {
    for (const route of ['/getById', '/update', '/start', '/stop', '/remove']) {
      expect(await api(route, { id: 'no-such-id' })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', message: 'No RTMP server with id no-such-id' } });
      expect(await api(route, {})).toMatchObject({ status: 400, body: { message: 'id is required' } });
    }
  });

  test('update to a new port restarts the listener there, drops its clients and frees the old port', async () => {
    const server = await createServer();
    const client = await connectedClient(server.server_port);
    const newPort = await unusedPort();
    const updated = await api('/update', { id: server.id, server_port: newPort, server_buflen: 3 });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ ...server, server_port: newPort, server_buflen: 3, server_modified: expect.stringMatching(ISO_TIME) });
    expect(updated.body.server_modified >= server.server_modified).toBe(true);
    await client.closed;
    expect(await isListening(server.server_port)).toBe(false);
    await connectedClient(newPort);
    expect((await api('/getById', { id: server.id })).body).toEqual(updated.body);
  });

  test('update on the same port also restarts the listener and drops its clients', async () => {
    const server = await createServer();
    const client = await connectedClient(server.server_port);
    const updated = await api('/update', { id: server.id, server_type: 'SERVER_TYPE_RTMP_DEBUG' });
    expect(updated.body).toMatchObject({ server_type: 'SERVER_TYPE_RTMP_DEBUG', server_port: server.server_port });
    await client.closed;
    await connectedClient(server.server_port);
  });

  test('update to a taken port or name is a 409 and leaves the server as it was, still serving', async () => {
    const server = await createServer();
    const other = await createServer();
    const client = await connectedClient(server.server_port);
    expect((await api('/update', { id: server.id, server_port: other.server_port })).status).toBe(409);
    expect((await api('/update', { id: server.id, server_name: other.server_name })).status).toBe(409);
    const port = await unusedPort();
    held.push(await holdPort(port));
    const blocked = await api('/update', { id: server.id, server_port: port });
    expect(blocked.status).toBe(409);
    expect(blocked.body.message).toContain('already in use');
    expect((await api('/getById', { id: server.id })).body).toEqual(server);
    expect(await client.createStream()).toBe(1);
  });

  test('update with invalid fields is a 400', async () => {
    const server = await createServer();
    expect((await api('/update', { id: server.id, server_port: -1 })).status).toBe(400);
    expect((await api('/update', { id: server.id, server_type: 'X' })).status).toBe(400);
  });

  test('stop drops every connection and frees the port; start listens again; both answer {"success": true}', async () => {
    const server = await createServer();
    const client = await connectedClient(server.server_port);
    expect(await api('/stop', { id: server.id })).toEqual({ status: 200, body: { success: true } });
    await client.closed;
    expect((await api('/getById', { id: server.id })).body.server_active).toBe(false);
    const borrowed = await holdPort(server.server_port); // the port is really free
    await releasePort(borrowed);
    expect(await api('/stop', { id: server.id })).toEqual({ status: 200, body: { success: true } });

    expect(await api('/start', { id: server.id })).toEqual({ status: 200, body: { success: true } });
    expect((await api('/getById', { id: server.id })).body.server_active).toBe(true);
    await connectedClient(server.server_port);
    expect(await api('/start', { id: server.id })).toEqual({ status: 200, body: { success: true } });
  });

  test('start on a port another program took meanwhile is a 409 with the reason', async () => {
    const server = await createServer({ server_active: false });
    held.push(await holdPort(server.server_port));
    const answer = await api('/start', { id: server.id });
    expect(answer.status).toBe(409);
    expect(answer.body.message).toContain('already in use');
    expect((await api('/getById', { id: server.id })).body.server_active).toBe(false);
  });

  test('remove (DELETE) stops the server and deletes it with its rules', async () => {
    const server = await createServer();
    const rule = await api('/rules/create', { server_id: server.id, rule_action: 'publish', rule_app: 'live', rule_stream_key: 'k' });
    expect(rule.status).toBe(200);
    const client = await connectedClient(server.server_port);
    expect(await rtmpServersApi(gw.httpUrl, '/remove', { id: server.id }, { method: 'POST' })).toMatchObject({ status: 404 });
    expect(await api('/remove', { id: server.id })).toEqual({ status: 200, body: { success: true } });
    await client.closed;
    expect(await isListening(server.server_port)).toBe(false);
    expect((await api('/getById', { id: server.id })).status).toBe(404);
    expect((await api('/rules/getById', { id: rule.body.id })).status).toBe(404);
  });

  test('the OpenAPI document describes every operation', async () => {
    const document = await gw.api('/rest-api/openapi.json');
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/api/rtmp-servers/create', '/api/rtmp-servers/remove', '/api/rtmp-servers/rules/create']));
    expect(document.body.paths['/api/rtmp-servers/remove']).toHaveProperty('delete');
    expect(document.body.components.schemas.RtmpServer.required).toContain('server_port');
  });

  test('a restart of the gateway restores every server: active ones listen again, stopped ones stay stopped, rules kept', async () => {
    const active = await createServer();
    const stopped = await createServer({ server_active: false });
    const rule = (await api('/rules/create', { server_id: active.id, rule_action: 'play', rule_app: '*', rule_stream_key: '*', rule_deny_ips: ['10.0.0.0/8'] })).body;
    const before = (await api('/getAll')).body;
    const { wsPort, wssPort, httpPort, httpsPort } = gw.settings;
    await gw.close();
    expect(await isListening(active.server_port)).toBe(false);

    // The same ports again: fresh random ones could collide with the RTMP server ports being restored.
    gw = await startTestGateway({ rtmpServersDbFile: dbFile, wsPort, wssPort, httpPort, httpsPort });
    expect((await api('/getAll')).body).toEqual(before);
    expect(await isListening(stopped.server_port)).toBe(false);
    await connectedClient(active.server_port);
    expect((await api('/rules/getAll', { server_id: active.id })).body).toEqual([rule]);
  });
});

describe('RTMP server management API with an access token', () => {
  let dir: string;
  let gw: TestGateway;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-api-token-'));
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite'), apiAccessToken: 's3cr=t' });
  });

  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('every call needs the token in x-access-token: missing or wrong is a 401, right works', async () => {
    for (const route of ['/getAll', '/create', '/remove', '/rules/getAll']) {
      expect(await rtmpServersApi(gw.httpUrl, route, {})).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', message: expect.stringContaining('x-access-token') } });
      expect((await rtmpServersApi(gw.httpUrl, route, {}, { token: 's3cr=t!' })).status).toBe(401);
    }
    const port = await getFreePort(); // this gateway stores no server yet
    const created = await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'guarded', server_port: port }, { token: 's3cr=t' });
    expect(created.status).toBe(200);
    expect((await rtmpServersApi(gw.httpUrl, '/getAll', {}, { token: 's3cr=t' })).body).toEqual([created.body]);
  });
});
