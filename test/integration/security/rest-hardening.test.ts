import http from 'node:http';
import type { Settings } from '../../../server/config/settings';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { createFileSource } from '../../support/file-source';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { getFreePort } from '../../support/ports';
import { waitFor } from '../../support/wait-for';

/** A closed port on loopback: pushes to it are refused at once. */
async function closedPort(): Promise<number> {
  return getFreePort();
}

async function metric(gw: TestGateway, limit: string): Promise<number> {
  // /metrics is rate-limited too: a test that flooded the API waits for its turn.
  const text = await waitFor('/metrics to answer', async () => {
    const response = await fetch(`${gw.httpUrl}/metrics`);
    return response.status === 200 ? response.text() : undefined;
  });
  return Number(new RegExp(`^gateway_limit_reached_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** What an anonymous outsider could do to the REST API, and what it gets now. */
describe('REST API hardening', () => {
  const gateways: TestGateway[] = [];
  let browser: TestBrowser | undefined;
  const servers: http.Server[] = [];

  afterAll(async () => {
    await browser?.close();
    for (const gw of gateways) await gw.close();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  async function gateway(overrides: Partial<Settings> = {}): Promise<TestGateway> {
    const gw = await startTestGateway(overrides);
    gateways.push(gw);
    return gw;
  }

  async function httpServer(handler: http.RequestListener): Promise<number> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return (server.address() as { port: number }).port;
  }

  test('a web page of another origin cannot start a push: no CORS for it, and no JSON without a preflight', async () => {
    const gw = await gateway();
    const pagePort = await httpServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://localhost:${pagePort}/`);
    const outcome = await page.evaluate(async (url) => {
      const body = JSON.stringify({ streamName: 'victim', rtmpUrl: 'rtmp://127.0.0.1:1935/live', reserve: true });
      const results: string[] = [];
      try {
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        results.push('json: sent');
      } catch {
        results.push('json: blocked');
      }
      // A "simple" request needs no preflight: the browser sends it, the answer is opaque.
      await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
      results.push('text: sent');
      return results;
    }, `${gw.httpUrl}/rest-api/push/startup`);
    expect(outcome).toEqual(['json: blocked', 'text: sent']);
    expect((await gw.api('/rest-api/push/find_all')).status).toBe(404);
  });

  test('pushes are capped, options are small flat objects; each refusal is counted', async () => {
    const gw = await gateway({ maxPushes: 2, restMaxOptionBytes: 256 });
    const start = (streamName: string, options?: object) => gw.api('/rest-api/push/startup', { streamName, rtmpUrl: 'rtmp://127.0.0.1:1935/live', reserve: true, ...(options === undefined ? {} : { options }) });
    expect((await start('a')).status).toBe(200);
    expect((await start('b')).status).toBe(200);
    const third = await start('c');
    expect(third).toMatchObject({ status: 429, body: { code: 'LIMIT_REACHED', message: expect.stringContaining('max_pushes') } });
    expect(await metric(gw, 'rest_pushes')).toBe(1);
    const [first] = (await gw.api('/rest-api/push/find_all')).body as Array<{ mediaSessionId: string }>;
    await gw.api('/rest-api/push/terminate', { mediaSessionId: first!.mediaSessionId });
    expect((await start('d', { note: 'x'.repeat(300) })).body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('rest_max_option_bytes') });
    expect(await metric(gw, 'rest_option_bytes')).toBe(1);
    // Nested options (which once broke find_all for everyone) are refused outright.
    const nested = `{"streamName":"e","rtmpUrl":"rtmp://127.0.0.1:1935/live","reserve":true,"options":{"deep":${'['.repeat(5000)}1${']'.repeat(5000)}}}`;
    expect((await gw.api('/rest-api/push/startup', nested)).status).toBe(400);
    expect((await gw.api('/rest-api/push/find_all')).status).toBe(200);
  });

  test('stream keys, passwords and query secrets are masked unless an authenticated caller asks for them', async () => {
    const gw = await gateway();
    const rtmpUrl = 'rtmp://pub:s3cret@127.0.0.1:1935/live2/abcd-efgh-ijkl?token=t0k';
    const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl, rtmpTransponderFullUrl: true, reserve: true });
    expect(started.body).toMatchObject({ rtmpUrl, streamName: 'abcd-efgh-ijkl?token=t0k' }); // echoed as sent, as WCS does
    const [listed] = (await gw.api('/rest-api/push/find_all')).body as Array<{ rtmpUrl: string }>;
    expect(JSON.stringify(listed)).not.toMatch(/s3cret|efgh|t0k/);
    const [revealed] = (await gw.api('/rest-api/push/find', { streamName: 'cam', showSecrets: true })).body as Array<{ rtmpUrl: string; streamName: string }>;
    expect(revealed).toMatchObject({ rtmpUrl, streamName: 'abcd-efgh-ijkl?token=t0k' });
    expect((await gw.api('/rest-api/push/find_all?secrets=true')).body[0].rtmpUrl).toBe(rtmpUrl);
    // find by the real URL still matches.
    expect((await gw.api('/rest-api/push/find', { rtmpUrl })).status).toBe(200);
  });

  test('targets in link-local or cloud-metadata space are refused before any connection', async () => {
    const gw = await gateway();
    for (const rtmpUrl of ['rtmp://169.254.169.254/live', 'rtmp://[fe80::1]/live', 'rtmp://metadata.google.internal/live']) {
      expect(await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl, reserve: true })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_TARGET' } });
    }
    expect(await metric(gw, 'outbound_target')).toBe(3);
  });

  test('the state webhook does not follow redirects', async () => {
    const followed: string[] = [];
    const elsewhere = await httpServer((req, res) => {
      followed.push(req.url ?? '');
      res.end();
    });
    const redirects: string[] = [];
    const hook = await httpServer((req, res) => {
      redirects.push(req.url ?? '');
      res.writeHead(307, { location: `http://127.0.0.1:${elsewhere}/stolen` }).end();
    });
    const gw = await gateway({ webhookUrl: `http://127.0.0.1:${hook}/hook` });
    await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: 'rtmp://127.0.0.1:1935/live', reserve: true });
    await waitFor('the webhook to be called', () => redirects.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // what a follow would take (nothing signals its absence)
    expect(followed).toEqual([]);
  });

  test('a client that floods the API gets 429 with Retry-After, and each refusal is counted', async () => {
    const gw = await gateway({ restRateLimit: 5 });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${gw.httpUrl}/rest-api/push/find_all`).then((r) => [r.status, r.headers.get('retry-after')] as const)));
    expect(statuses.filter(([status]) => status === 404)).toHaveLength(10); // the burst: twice the rate
    expect(statuses.filter(([status, retry]) => status === 429 && Number(retry) >= 1)).toHaveLength(10);
    expect(await metric(gw, 'rest_rate')).toBeGreaterThanOrEqual(10); // and the refused tries of /metrics itself
  });

  test('with authentication off, a caller is not told how a connection failed (no port scanning through lastError)', async () => {
    const source = await createFileSource({ width: 320, height: 240, fps: 25, videoKbps: 300, seconds: 2 });
    for (const [restAuthDisabled, expected] of [[false, /^CONNECT_REFUSED/], [true, /^the push could not reach its target or lost it$/]] as const) {
      const gw = await gateway({ restAuthDisabled, rtmpPushRetryInitialDelayMs: 60_000 });
      source.start(gw.gateway.paths, 'cam');
      try {
        await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `rtmp://127.0.0.1:${await closedPort()}/live` });
        const push = await waitFor('the push to fail once', async () => ((await gw.api('/rest-api/push/find_all')).body as Array<{ lastError: string | null }>)[0]?.lastError ?? undefined);
        expect(push).toMatch(expected);
      } finally {
        source.stop();
      }
    }
  });
});
