import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startGatewayProcess, type GatewayProcess } from '../../support/gateway-process';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { PublisherPageServer, type SdkKind } from '../../support/publisher-page';
import { udpPortsOf } from '../../support/udp-sockets';
import { waitFor } from '../../support/wait-for';

/** The port the gateway process logged when it bound its shared WebRTC socket (it was told 0: any). */
function boundUdpPort(gateway: GatewayProcess): number {
  for (const line of gateway.output().split('\n')) {
    if (!line.includes('WebRTC UDP port bound')) continue;
    return (JSON.parse(line) as { port: number }).port;
  }
  throw new Error(`the gateway logged no WebRTC UDP port:\n${gateway.output()}`);
}

/** A gauge or counter from /metrics, summed over its series. */
async function metric(httpUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(`${name}${labels}`) && (labels !== '' || /^\S+(\{[^}]*\})? /.test(line))).reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/**
 * Every WebRTC publisher of the gateway on its one UDP port, whatever the SDK. The gateway runs as
 * its own process so the test can read, from /proc, every UDP socket it holds during the whole run:
 * counting werift's transports would only show that werift made none, not that nothing else bound
 * a port; the kernel's table of the process's sockets shows both.
 */
describe('one UDP port for every WebRTC publisher', () => {
  let dir: string;
  let gateway: GatewayProcess;
  let nginx: NginxRtmp;
  let pages: PublisherPageServer;
  let browser: TestBrowser;
  let udpPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'single-port-'));
    nginx = await NginxRtmp.start();
    gateway = await startGatewayProcess(dir, {}, 1024);
    udpPort = boundUdpPort(gateway);
    pages = await PublisherPageServer.start(gateway.httpUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gateway?.stop();
    await nginx?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("four publishers at once, two per SDK: each browser's selected pair ends at the gateway's one port, the gateway holds no other UDP socket at any moment, every push reaches nginx", async () => {
    // Every 20 ms from before the first page to the end: each UDP port the gateway process holds.
    const held = new Set<number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const port of await udpPortsOf(gateway.pid)) held.add(port);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    try {
      await publishAndCheck(held);
    } finally {
      sampling = false;
      await sampler;
    }
    expect([...held]).toEqual([udpPort]);
  });

  async function publishAndCheck(held: Set<number>): Promise<void> {
    const publishers: Array<{ sdk: SdkKind; name: string; page: Page }> = [];
    for (const [index, sdk] of (['ours', 'stock', 'ours', 'stock'] as const).entries()) {
      publishers.push({ sdk, name: `one_port_${sdk}_${index}`, page: await browser.newPage() });
    }
    await Promise.all(publishers.map(({ sdk, name, page }) =>
      pages.publish(page, sdk, { urlServer: gateway.wsUrl, name, rtmpUrl: nginx.rtmpUrl('live'), constraints: { audio: true, video: { width: 320, height: 240 } } })));

    for (const { sdk, name, page } of publishers) {
      const pairs = await waitFor(`${name}'s selected candidate pair`, async () => {
        const found = await pages.selectedCandidatePairs(page);
        return found.length > 0 ? found : undefined;
      }, 10_000);
      for (const pair of pairs) {
        expect({ sdk, name, remote: pair.remote }).toEqual({ sdk, name, remote: { candidateType: expect.any(String), address: '127.0.0.1', port: udpPort, protocol: 'udp' } });
      }
    }
    for (const { name } of publishers) await nginx.waitForStream('live', `rtmp_${name}`, 15_000);
    const streams = await waitFor('every push to bring 100 KB of H.264 to nginx', async () => {
      const live = (await nginx.stats()).flatMap((app) => app.streams);
      const ours = publishers.map(({ name }) => live.find((s) => s.name === `rtmp_${name}`));
      return ours.every((s) => s !== undefined && s.bytesIn > 100_000 && s.video !== undefined) ? ours : undefined;
    }, 20_000);
    for (const stream of streams) expect(stream).toMatchObject({ publishing: true, video: { codec: 'H264', width: 320, height: 240 } });
    expect(await metric(gateway.httpUrl, 'gateway_webrtc_udp_peers')).toBe(4);
    // 100 KB at nginx per push took at least a hundred datagrams each; a legitimate publisher loses none to the router.
    expect(await metric(gateway.httpUrl, 'gateway_webrtc_udp_datagrams_total', '{outcome="routed"')).toBeGreaterThan(400);
    expect(await metric(gateway.httpUrl, 'gateway_webrtc_udp_datagrams_total', '{outcome="dropped"')).toBe(0);
    expect([...held]).toEqual([udpPort]);

    for (const { page } of publishers) await pages.stopPublish(page);
    await waitFor('every publisher to leave the shared port', async () => (await metric(gateway.httpUrl, 'gateway_webrtc_udp_peers')) === 0, 10_000);
    for (const { page } of publishers) await page.close();
  }
});
