import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { createSelfSignedCertificate } from '../../support/tls-proxy';
import { waitFor } from '../../support/wait-for';

/** The demo page against the real gateway, and the wss/https endpoints a certificate enables. */
describe('demo page and TLS endpoints', () => {
  let nginx: NginxRtmp;
  let gw: TestGateway;
  let browser: TestBrowser;
  let certDir: string;

  beforeAll(async () => {
    certDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-tls-'));
    const certificate = await createSelfSignedCertificate();
    await writeFile(path.join(certDir, 'cert.pem'), certificate.cert);
    await writeFile(path.join(certDir, 'key.pem'), certificate.key);
    nginx = await NginxRtmp.start();
    gw = await startTestGateway({ tlsCertificateFile: path.join(certDir, 'cert.pem'), tlsPrivateKeyFile: path.join(certDir, 'key.pem') });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await nginx?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('the demo page publishes the camera, starts a push, lists it and stops it', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.httpUrl}/`);
    await page.fill('#streamName', 'demo');
    await page.click('#publishBtn');
    await page.waitForSelector('#status[data-status="PUBLISHING"]', { timeout: 15_000 });

    await page.fill('#rtmpUrl', nginx.rtmpUrl('live'));
    await page.click('#pushBtn');
    const row = await page.waitForSelector('#transponders tr[data-media-session-id]', { timeout: 10_000 });
    expect(await row.textContent()).toContain('rtmp_demo');
    await nginx.waitForStream('live', 'rtmp_demo', 8000);

    await (await row.$('button'))!.click();
    await waitFor('the push to end', async () => (await gw.api('/rest-api/push/find_all')).status === 404);
    await page.click('#stopBtn');
    await page.waitForSelector('#status[data-status="UNPUBLISHED"]', { timeout: 10_000 });
    expect(await page.isHidden('#error')).toBe(true);
    await page.close();
  });

  test('with a certificate, wss:// speaks the same protocol and https:// serves the same API', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${gw.settings.wssPort}`, { rejectUnauthorized: false });
    const userData = new Promise<{ message: string; data: Array<Record<string, unknown>> }>((resolve, reject) => {
      ws.once('message', (raw) => resolve(JSON.parse(raw.toString())));
      ws.once('error', reject);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ message: 'connection', data: [{ appKey: 'defaultApp' }] }));
    expect(await userData).toMatchObject({ message: 'getUserData', data: [{ sessionId: expect.any(String) }] });
    ws.close();

    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      https.get(`https://127.0.0.1:${gw.settings.httpsPort}/rest-api/push/find_all`, { rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      }).on('error', reject);
    });
    expect(body.status).toBe(404);
    expect(JSON.parse(body.text)).toMatchObject({ code: 'TRANSPONDER_NOT_FOUND' });
    expect((await gw.api('/web-sdk/server-info.json')).body).toEqual({ wsPort: gw.settings.wsPort, wssPort: gw.settings.wssPort });
  });
});
