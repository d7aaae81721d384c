import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { PublisherPageServer } from '../../support/publisher-page';
import { createSelfSignedCertificate, TlsProxy } from '../../support/tls-proxy';
import { waitFor } from '../../support/wait-for';

/**
 * Targets and naming: rtmps:// to a TLS endpoint in front of nginx-rtmp, auto-start, the
 * prefix setting, flashVer, and what `connect` carries for credentials and query parameters
 * (read back from nginx's own log of each connect).
 */
describe('push targets', () => {
  let nginx: NginxRtmp;
  let proxy: TlsProxy;
  let certDir: string;
  let trusting: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    nginx = await NginxRtmp.start({ applications: [{ name: 'live' }, { name: 'secure' }, { name: 'tls' }] });
    const certificate = await createSelfSignedCertificate();
    proxy = await TlsProxy.start({ ...certificate, targetPort: nginx.rtmpPort });
    certDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-ca-'));
    await writeFile(path.join(certDir, 'ca.pem'), certificate.cert);
    trusting = await startTestGateway({
      rtmpTlsCaFile: path.join(certDir, 'ca.pem'),
      rtmpPushAutoStart: true,
      rtmpPushAutoStartUrl: nginx.rtmpUrl('live'),
      rtmpTransponderStreamNamePrefix: '',
      rtmpPushRetryInitialDelayMs: 5000,
    });
    pages = await PublisherPageServer.start(trusting.httpUrl);
    browser = await launchChromium();
    await pages.publish(await browser.newPage(), 'ours', { urlServer: trusting.wsUrl, name: 'cam' });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await trusting?.close();
    await proxy?.close();
    await nginx?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('rtmp_push_auto_start pushes every published stream; an empty prefix keeps the name; flashVer defaults to FMLE', async () => {
    await nginx.waitForStream('live', 'cam', 8000);
    const auto = await waitFor('the auto-started push to publish', async () => {
      const [push] = (await trusting.api('/rest-api/push/find', { streamName: 'cam' })).body;
      return push?.state === 'publishing' ? push : undefined;
    });
    expect(auto).toMatchObject({ streamName: 'cam', sourceStreamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
    expect(await nginx.errorLog()).toMatch(/connect: app='live' args='' flashver='FMLE\/3.0 \(compatible; FMSc\/1.0\)'/);
  });

  test('rtmps:// to a self-signed endpoint works when rtmp_tls_ca_file trusts it, with the per-call flashVer', async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `rtmps://localhost:${proxy.port}/secure`, rtmpFlashVersion: 'LNX 76.219.189.0' });
    expect(res.status).toBe(200);
    await nginx.waitForStream('secure', 'cam', 8000);
    const streams = await probeStreams(nginx.rtmpUrl('secure', 'cam'), { timeoutMs: 15_000 });
    expect(streams.video?.codec).toBe('h264');
    expect(streams.audio?.codec).toBe('aac');
    expect(await nginx.errorLog()).toMatch(/connect: app='secure' args='' flashver='LNX 76.219.189.0' swf_url='' tc_url='rtmps:\/\/localhost:\d+\/secure'/);
    await trusting.api('/rest-api/push/terminate', { mediaSessionId: res.body.mediaSessionId });
  });

  test('query parameters pass through in app and tcUrl', async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `${nginx.rtmpUrl('tls')}?token=abc` });
    expect(res.status).toBe(200);
    await nginx.waitForStream('tls', 'cam', 8000);
    expect(await nginx.errorLog()).toMatch(/connect: app='tls' args='token=abc' .* tc_url='rtmp:\/\/127.0.0.1:\d+\/tls\?token=abc'/);
    await trusting.api('/rest-api/push/terminate', { mediaSessionId: res.body.mediaSessionId });
  });

  test("credentials become connect('live/?user1&pass1') as WCS sends them; a rejected connect shows in lastError", async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `rtmp://user1:pass1@127.0.0.1:${nginx.rtmpPort}/live` });
    expect(res.status).toBe(200);
    const failed = await waitFor('the refused connect to show', async () => {
      const [push] = (await trusting.api('/rest-api/push/find', { streamName: 'cam', rtmpUrl: `rtmp://user1:pass1@127.0.0.1:${nginx.rtmpPort}/live` })).body;
      return push?.lastError ? push : undefined;
    });
    expect(failed.state).toBe('reconnecting');
    expect(failed.lastError).toMatch(/^CONNECT_REJECTED/);
    expect(await nginx.errorLog()).toMatch(/connect: app='live\/' args='user1&pass1' .* tc_url='rtmp:\/\/127.0.0.1:\d+\/live\/\?user1&pass1'/);
    await trusting.api('/rest-api/push/terminate', { mediaSessionId: res.body.mediaSessionId });
  });

  test('without the CA the rtmps push fails with a TLS error in lastError', async () => {
    const strict = await startTestGateway({ rtmpPushRetryInitialDelayMs: 5000 });
    const strictPages = await PublisherPageServer.start(strict.httpUrl);
    try {
      await strictPages.publish(await browser.newPage(), 'ours', { urlServer: strict.wsUrl, name: 'cam2' });
      const res = await strict.api('/rest-api/push/startup', { streamName: 'cam2', rtmpUrl: `rtmps://localhost:${proxy.port}/secure` });
      expect(res.status).toBe(200);
      const push = await waitFor('the TLS failure', async () => {
        const [p] = (await strict.api('/rest-api/push/find_all')).body;
        return p?.lastError ? p : undefined;
      });
      expect(push.state).toBe('reconnecting');
      expect(push.lastError).toMatch(/^TLS: .*self[- ]signed/i);
    } finally {
      await strictPages.close();
      await strict.close();
    }
  });
});
