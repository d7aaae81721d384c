import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { HookBackend } from '../../support/hook-backend';
import { PublisherPageServer, type SdkKind } from '../../support/publisher-page';

/** REST hooks end to end: Chromium publishing with an unchanged SDK, a local backend deciding. */
describe('REST hooks with real clients', () => {
  let backend: HookBackend;
  let gw: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    backend = await HookBackend.start();
    gw = await startTestGateway({ restHookBaseUrl: backend.baseUrl });
    pages = await PublisherPageServer.start(gw.httpUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gw?.close();
    await backend?.close();
  });

  beforeEach(() => {
    backend.requests.length = 0;
  });

  test('stock SDK: connect gets the authToken; publishStream renames the stream, which publishes under the new name', async () => {
    backend.answer = (request) => {
      if (request.path.endsWith('/connect')) return { status: request.body.authToken === 'good-token' ? 200 : 403 };
      return { status: 200, body: { ...request.body, name: `${request.body.name}_approved` } };
    };
    const page = await browser.newPage();
    await pages.publish(page, 'stock', { urlServer: gw.wsUrl, name: 'cam', authToken: 'good-token' });
    expect(backend.calls('connect')[0]!.body).toMatchObject({ appKey: 'defaultApp', authToken: 'good-token', clientVersion: '2.0' });
    expect(backend.calls('publishStream')[0]!.body).toMatchObject({ name: 'cam', published: true, status: 'PENDING', mediaProvider: 'WebRTC' });
    expect(gw.gateway.paths.stream('cam_approved')?.source.kind).toBe('webrtc');
    expect(gw.gateway.paths.stream('cam')).toBeUndefined();
    await pages.stopPublish(page);
    await page.close();
  });

  test('stock SDK: a publish the backend answers 403 fails with Restricted access', async () => {
    backend.answer = (request) => (request.path.endsWith('/publishStream') ? { status: 403 } : { status: 200 });
    const page = await browser.newPage();
    await expect(pages.publish(page, 'stock', { urlServer: gw.wsUrl, name: 'forbidden' })).rejects.toThrow('FAILED: Restricted access');
    expect(gw.gateway.paths.stream('forbidden')).toBeUndefined();
    await page.close();
  });

  test.each<[SdkKind, string]>([
    ['ours', 'session failed: Restricted access'],
    ['stock', 'session disconnected: Restricted access'],
  ])('%s SDK: a connection the backend answers 403 ends the session, the client told why', async (sdk, expected) => {
    backend.answer = () => ({ status: 403 });
    const page = await browser.newPage();
    await expect(pages.publish(page, sdk, { urlServer: gw.wsUrl, name: 'unseen', authToken: 'bad-token' })).rejects.toThrow(expected);
    expect(backend.calls('publishStream')).toEqual([]);
    await page.close();
  });
});
