import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NetworkNamespace } from '../../support/netns';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { PublisherPageServer } from '../../support/publisher-page';
import { killAllChildren } from '../../support/processes';

/**
 * Chromium as a client host that is not loopback: it runs inside a network namespace, loads the
 * publishing page from the host side of the veth pair, and publishes with our SDK through the
 * gateway to nginx-rtmp. The gateway announces its interface addresses, the veth's host side among
 * them, so media flows over the veth (the impairment test will put its relay on this path).
 */
describe('Chromium in a network namespace', () => {
  let ns: NetworkNamespace;
  let nginx: NginxRtmp;
  let gw: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    ns = await NetworkNamespace.create();
    nginx = await NginxRtmp.start();
    gw = await startTestGateway({ listenAddress: '0.0.0.0', webrtcUdpAddress: '0.0.0.0' });
    pages = await PublisherPageServer.start(`http://${ns.hostAddress}:${gw.settings.httpPort}`, { listenAddress: ns.hostAddress });
    browser = await launchChromium({ networkNamespace: ns.name, secureOrigins: [pages.url] });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gw?.close();
    await nginx?.stop();
    await ns?.close();
    await killAllChildren();
  });

  test('publishes from the namespace over the veth, and the push reaches nginx-rtmp', async () => {
    const page = await browser.newPage();
    await pages.publish(page, 'ours', { urlServer: `ws://${ns.hostAddress}:${gw.settings.wsPort}`, name: 'netns', rtmpUrl: nginx.rtmpUrl('live') });
    await nginx.waitForStream('live', 'rtmp_netns', 10_000);
    const probed = await probeStreams(nginx.rtmpUrl('live', 'rtmp_netns'), { timeoutMs: 15_000 });
    expect(probed.video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p' });
    expect(probed.audio?.codec).toBe('aac');

    // The media path: from the namespace's address (which only exists in there) to the host side of the veth.
    const pairs = await pages.selectedCandidatePairs(page);
    expect(pairs).toEqual([{ local: expect.objectContaining({ address: ns.clientAddress }), remote: expect.objectContaining({ address: ns.hostAddress }) }]);
  });
});
