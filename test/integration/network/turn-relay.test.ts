import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { Coturn } from '../../support/coturn';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { PublisherPageServer } from '../../support/publisher-page';
import { waitFor } from '../../support/wait-for';

const SECRET = 'turn-relay-test-secret';
const CONSTRAINTS = { audio: true, video: { width: 320, height: 240 } };

/** One entry of RTCConfiguration.iceServers as Chromium reports it. */
interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** The ICE part of the configuration the page's peer connection was made with (whichever SDK made it). */
async function peerIceConfiguration(page: Page): Promise<{ iceServers: IceServer[]; iceTransportPolicy: string }> {
  return page.evaluate('(({ iceServers, iceTransportPolicy }) => ({ iceServers, iceTransportPolicy }))(window.peerConnections[0].getConfiguration())');
}

/** The gateway's peers waiting or publishing on its shared UDP port. */
function udpPeers(gateway: TestGateway): number {
  return gateway.gateway.webrtcUdp!.stats.peers;
}

/**
 * A gateway that hands out a TURN server and iceTransportPolicy "relay" (ice_servers, ice_turn_secret,
 * ice_transport_policy): Chromium may then only send through a coturn allocation, so a publish that
 * reaches nginx proves the whole relayed path: the TURN REST credentials the gateway made, coturn's
 * relay to the gateway's one UDP port, and both SDKs applying what the gateway handed out.
 */
describe('publishing through TURN: coturn on loopback, iceTransportPolicy relay', () => {
  let coturn: Coturn;
  let nginx: NginxRtmp;
  let browser: TestBrowser;
  let gateway: TestGateway;
  let pages: PublisherPageServer;

  beforeAll(async () => {
    [coturn, nginx, browser] = await Promise.all([Coturn.start(SECRET), NginxRtmp.start(), launchChromium()]);
    gateway = await startTestGateway({ iceServers: [coturn.url], iceTurnSecret: SECRET, iceTransportPolicy: 'relay' });
    pages = await PublisherPageServer.start(gateway.httpUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gateway?.close();
    await nginx?.stop();
    await coturn?.stop();
  });

  /**
   * Chromium's selected pair starts at a coturn relay candidate and ends at the gateway's port, and
   * coturn logged an allocation for `username` with a permission for the gateway: the media went
   * through coturn, and with the credentials the gateway made.
   */
  async function expectRelayed(page: Page, username: string): Promise<void> {
    const pairs = await waitFor('the selected candidate pair', async () => {
      const found = await pages.selectedCandidatePairs(page);
      return found.length > 0 ? found : undefined;
    }, 10_000);
    for (const { local, remote } of pairs) {
      expect({ local, remote }).toEqual({
        local: { candidateType: 'relay', address: '127.0.0.1', port: expect.any(Number), protocol: 'udp' },
        remote: { candidateType: 'host', address: '127.0.0.1', port: gateway.udpPort, protocol: 'udp' },
      });
      expect(local.port).toBeGreaterThanOrEqual(coturn.relayPorts.min);
      expect(local.port).toBeLessThanOrEqual(coturn.relayPorts.max);
    }
    const log = await waitFor(`coturn to log an allocation of ${username} with a permission for the gateway`, () => {
      const found = coturn.userLog(username);
      return found.allocations > 0 && found.peers.length > 0 ? found : undefined;
    }, 5000);
    // Permissions are logged by address, channels by address and port: either way, only the gateway's.
    for (const peer of log.peers) expect(['127.0.0.1', `127.0.0.1:${gateway.udpPort}`]).toContain(peer);
    expect(log.refused).toBe(0);
  }

  test("our SDK takes the TURN server and the relay policy from getUserData: Chromium publishes through a coturn allocation made with the gateway's credentials, and the push reaches nginx as H.264 + AAC", async () => {
    const page = await browser.newPage();
    const name = 'turn_ours';
    await pages.publish(page, 'ours', { urlServer: gateway.wsUrl, name, rtmpUrl: nginx.rtmpUrl('live'), constraints: CONSTRAINTS });

    // TURN REST credentials: "<expiry>:<the signalling session's id>", valid for ice_turn_credential_ttl (a day).
    const config = await peerIceConfiguration(page);
    expect(config).toEqual({ iceServers: [{ urls: [coturn.url], username: expect.stringMatching(/^\d+:[0-9a-f-]{36}$/), credential: expect.any(String) }], iceTransportPolicy: 'relay' });
    const username = config.iceServers[0]!.username!;
    expect(Number(username.split(':')[0]) - Date.now() / 1000).toBeGreaterThan(86_400 - 120);
    await expectRelayed(page, username);

    await nginx.waitForStream('live', `rtmp_${name}`, 15_000);
    const streams = await probeStreams(nginx.rtmpUrl('live', `rtmp_${name}`), { timeoutMs: 20_000 });
    expect(streams).toMatchObject({ video: { codec: 'h264', width: 320, height: 240 }, audio: { codec: 'aac', sampleRate: 48_000 } });

    await pages.stopPublish(page);
    await page.close();
  });

  test('the stock @flashphoner/websdk with GET /ice-servers as its mediaOptions, fetched by the page: Chromium publishes through coturn, and the push reaches nginx', async () => {
    const page = await browser.newPage();
    const name = 'turn_stock';
    // What a real page does: fetch the gateway's ICE configuration (another origin: CORS) and hand it to createSession.
    await page.goto(`${pages.url}/stock`);
    const mediaOptions = await page.evaluate(`fetch(${JSON.stringify(`${gateway.httpUrl}/ice-servers`)}).then((response) => response.json())`);
    expect(mediaOptions).toEqual({ iceServers: [{ urls: [coturn.url], username: expect.stringMatching(/^\d+:webrtc-gateway$/), credential: expect.any(String) }], iceTransportPolicy: 'relay' });
    await pages.publish(page, 'stock', { urlServer: gateway.wsUrl, name, rtmpUrl: nginx.rtmpUrl('live'), constraints: CONSTRAINTS, sessionOptions: { mediaOptions } });

    const config = await peerIceConfiguration(page);
    expect(config).toEqual(mediaOptions);
    await expectRelayed(page, config.iceServers[0]!.username!);

    const stream = await waitFor('the push to bring 50 KB of H.264 and AAC to nginx', async () => {
      const found = (await nginx.stats()).find((app) => app.name === 'live')?.streams.find((s) => s.name === `rtmp_${name}`);
      return found !== undefined && found.bytesIn > 50_000 && found.video !== undefined && found.audio !== undefined ? found : undefined;
    }, 20_000);
    expect(stream).toMatchObject({ publishing: true, video: { codec: 'H264', width: 320, height: 240 }, audio: { codec: 'AAC' } });

    await pages.stopPublish(page);
    await page.close();
  });

  test('a gateway with the wrong TURN secret: coturn refuses the credentials, Chromium gathers no candidate at all under the relay policy, the publish never starts, and the gateway serves on', async () => {
    const wrong = await startTestGateway({ iceServers: [coturn.url], iceTurnSecret: `not-${SECRET}`, iceTransportPolicy: 'relay' });
    const page = await browser.newPage();
    try {
      // It cannot reach PUBLISHING (the gateway would give up after 20 s): don't wait for it, watch it fail.
      const outcome = pages.publish(page, 'ours', { urlServer: wrong.wsUrl, name: 'turn_wrong_secret', rtmpUrl: nginx.rtmpUrl('live'), constraints: CONSTRAINTS })
        .then(() => 'PUBLISHING', (error: Error) => error.message);

      // Gathering ends once coturn has refused the allocation; no candidate can come later, so ICE can never start.
      const gathered = await waitFor('the page to finish gathering ICE candidates', async () => page.evaluate(`(async () => {
        const pc = window.peerConnections[0];
        if (!pc || pc.iceGatheringState !== 'complete') return undefined;
        const local = [];
        (await pc.getStats()).forEach((report) => { if (report.type === 'local-candidate') local.push(report.candidateType); });
        return { local, username: pc.getConfiguration().iceServers[0].username };
      })()`) as Promise<{ local: string[]; username: string } | undefined>, 15_000);
      expect(gathered.local).toEqual([]);
      const refusal = await waitFor(`coturn to refuse ${gathered.username}`, () => {
        const log = coturn.userLog(gathered.username);
        return log.refused > 0 ? log : undefined;
      }, 5000);
      expect(refusal).toMatchObject({ allocations: 0, peers: [] });

      // The offer went out all the same: the gateway answered and holds a peer that nobody will reach.
      await waitFor('the gateway to hold the peer of the offer', () => udpPeers(wrong) === 1, 10_000);
      expect(await page.evaluate('[window.statuses, window.peerConnections[0].connectionState]')).toEqual([[], 'new']);

      await pages.disconnect(page);
      expect(await outcome).not.toBe('PUBLISHING');
      await waitFor('the gateway to drop the peer with the session', () => udpPeers(wrong) === 0, 10_000);
      const iceServers = await wrong.api('/ice-servers');
      expect(iceServers.status).toBe(200);
    } finally {
      await page.close();
      await wrong.close();
    }
  });
});
