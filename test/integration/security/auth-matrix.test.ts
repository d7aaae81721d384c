import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../../server/access/password-file';
import type { Settings } from '../../../server/config/settings';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { NetworkNamespace } from '../../support/netns';

/** Every management endpoint, with a body that passes validation (404s and 400s are fine: they got past the access layer). */
const ENDPOINTS: ReadonlyArray<{ method: 'GET' | 'HEAD' | 'POST' | 'DELETE'; route: string; body?: unknown; sdp?: string }> = [
  { method: 'POST', route: '/rest-api/push/startup', body: { streamName: 'nobody', rtmpUrl: 'rtmp://127.0.0.1:1/live' } },
  { method: 'POST', route: '/rest-api/push/find', body: {} },
  { method: 'GET', route: '/rest-api/push/find_all' },
  { method: 'POST', route: '/rest-api/push/terminate', body: { mediaSessionId: 'x' } },
  { method: 'POST', route: '/rest-api/push/mute', body: { mediaSessionId: 'x' } },
  { method: 'POST', route: '/rest-api/push/unmute', body: { mediaSessionId: 'x' } },
  { method: 'POST', route: '/rest-api/push/sound_on', body: { mediaSessionId: 'x', soundFile: 'sample.wav' } },
  { method: 'POST', route: '/rest-api/push/sound_off', body: { mediaSessionId: 'x' } },
  { method: 'POST', route: '/rest-api/stream/find', body: { name: 'nobody' } },
  { method: 'GET', route: '/rest-api/stream/find_all' },
  { method: 'POST', route: '/rest-api/stream/terminate', body: { name: 'nobody' } },
  { method: 'GET', route: '/rest-api/console/sounds' },
  // The console's live feed (server-sent events): a GET let in stays open, so the matrix asks with HEAD, which the same route and access layer answer at once.
  { method: 'HEAD', route: '/rest-api/console/events' },
  { method: 'GET', route: '/rest-api/openapi.json' },
  { method: 'POST', route: '/api/rtmp-servers/getAll', body: {} },
  { method: 'POST', route: '/api/rtmp-servers/getById', body: { id: 'x' } },
  { method: 'POST', route: '/api/rtmp-servers/rules/getAll', body: {} },
  { method: 'DELETE', route: '/api/rtmp-servers/remove', body: { id: 'x' } },
  { method: 'GET', route: '/metrics' },
  { method: 'POST', route: '/rest-api/recorder/find', body: {} },
  { method: 'POST', route: '/rest-api/recorder/terminate', body: { mediaSessionId: 'x' } },
  { method: 'POST', route: '/api/v2/beam', body: { operation: 'stop', room_id: 'x' } },
  { method: 'GET', route: '/api/v2/beam' },
  { method: 'POST', route: '/whip/nobody', sdp: 'v=0\r\n' },
  { method: 'DELETE', route: '/whip/nobody/x' },
  { method: 'POST', route: '/whep/nobody', sdp: 'v=0\r\n' },
  { method: 'DELETE', route: '/whep/nobody/x' },
];

const USER = { name: 'ops', password: 'correct horse' };
const TOKEN = 'tok-3f9a';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Credential variants and whether they must be let in when credentials are configured. */
const CREDENTIALS: ReadonlyArray<{ what: string; headers: Record<string, string>; right: boolean }> = [
  { what: 'no credentials', headers: {}, right: false },
  { what: 'a wrong password', headers: { authorization: basic(USER.name, 'wrong') }, right: false },
  { what: 'a wrong token', headers: { authorization: 'Bearer nope' }, right: false },
  { what: 'the user (HTTP Basic)', headers: { authorization: basic(USER.name, USER.password) }, right: true },
  { what: 'the token as Bearer', headers: { authorization: `Bearer ${TOKEN}` }, right: true },
  { what: 'the token in x-access-token', headers: { 'x-access-token': TOKEN }, right: true },
];

/**
 * Every management endpoint with no, wrong and right credentials, from loopback and from another
 * host (a network namespace this test creates): with nothing configured only loopback gets in;
 * with users and a token configured everyone must present them; disable_rest_auth opens it all.
 */
describe('the access layer of every management API', () => {
  let dir: string;
  let ns: NetworkNamespace;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'auth-matrix-'));
    ns = await NetworkNamespace.create();
  });

  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await ns?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function gateway(overrides: Partial<Settings>): Promise<{ gw: TestGateway; fromNamespace: string }> {
    // Listen on every interface, so the namespace reaches it through its veth peer.
    const gw = await startTestGateway({ listenAddress: '0.0.0.0', rtmpServersDbFile: path.join(dir, `${gateways.length}.sqlite`), restRateLimit: 0, ...overrides });
    gateways.push(gw);
    return { gw, fromNamespace: `http://${ns.hostAddress}:${gw.settings.httpPort}` };
  }

  function requestOf(endpoint: (typeof ENDPOINTS)[number], headers: Record<string, string>) {
    if (endpoint.sdp !== undefined) return { method: endpoint.method, headers: { ...headers, 'content-type': 'application/sdp' }, body: endpoint.sdp };
    return {
      method: endpoint.method,
      headers: { ...headers, ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(endpoint.body === undefined ? {} : { body: JSON.stringify(endpoint.body) }),
    };
  }

  /** Calls every endpoint with each set of headers: from loopback, or from the namespace (in one process). */
  async function callAll(base: string, headerSets: ReadonlyArray<Record<string, string>>, where: 'loopback' | 'namespace'): Promise<Array<{ route: string; method: string; set: number; status: number; body: string }>> {
    const plan = ENDPOINTS.flatMap((endpoint) => headerSets.map((headers, set) => ({ endpoint, set, init: requestOf(endpoint, headers) })));
    const answers = where === 'namespace'
      ? await ns.fetchAll(plan.map(({ endpoint, init }) => ({ url: `${base}${endpoint.route}`, init })))
      : await Promise.all(plan.map(async ({ endpoint, init }) => {
        const response = await fetch(`${base}${endpoint.route}`, init);
        return { status: response.status, body: await response.text() };
      }));
    return plan.map(({ endpoint, set }, i) => ({ route: endpoint.route, method: endpoint.method, set, ...answers[i]! }));
  }

  test('nothing configured: loopback gets in; another host gets a 401 that names the settings', async () => {
    const { gw, fromNamespace } = await gateway({});
    for (const answer of await callAll(gw.httpUrl, [{}], 'loopback')) expect({ route: answer.route, status: answer.status }).not.toEqual({ route: answer.route, status: 401 });
    for (const answer of await callAll(fromNamespace, [{}], 'namespace')) {
      expect({ route: answer.route, status: answer.status }).toEqual({ route: answer.route, status: 401 });
      // A HEAD's answer has no body to explain itself in.
      if (answer.method !== 'HEAD') expect(JSON.parse(answer.body).message).toContain(`from ${ns.clientAddress} need credentials: set rest_auth_users_file`);
    }
    // The demo page and the SDK stay public.
    expect((await ns.fetch(`${fromNamespace}/web-sdk/gateway-sdk.js`)).status).toBe(200);
  });

  test('users and a token configured: no or wrong credentials are a 401 from anywhere, the right ones work from anywhere', async () => {
    const usersFile = path.join(dir, 'users');
    await writeFile(usersFile, `${await hashPassword(USER.name, USER.password)}\n`);
    const { gw, fromNamespace } = await gateway({ restAuthUsersFile: usersFile, apiAccessToken: TOKEN });
    for (const [where, base] of [['loopback', gw.httpUrl], ['namespace', fromNamespace]] as const) {
      for (const answer of await callAll(base, CREDENTIALS.map((c) => c.headers), where)) {
        const credential = CREDENTIALS[answer.set]!;
        expect({ route: answer.route, with: credential.what, from: where, refused: answer.status === 401 }).toEqual({ route: answer.route, with: credential.what, from: where, refused: !credential.right });
      }
    }
  });

  test('disable_rest_auth=true opens every endpoint to every host', async () => {
    const { fromNamespace } = await gateway({ restAuthDisabled: true });
    for (const answer of await callAll(fromNamespace, [{}], 'namespace')) expect({ route: answer.route, status: answer.status }).not.toEqual({ route: answer.route, status: 401 });
  });
});
