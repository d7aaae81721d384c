import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type WebSocket from 'ws';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { limitReached, startGatewayProcess, type GatewayProcess } from '../../support/gateway-process';
import { PublisherPageServer } from '../../support/publisher-page';
import { sdpBomb } from '../../support/sdp-bombs';
import { jsonWithBomb, nestedArrayText, SignallingClient, tryOpen, within } from '../../support/signalling-client';
import { udpPortsInRange } from '../../support/udp-sockets';
import { waitFor } from '../../support/wait-for';

/** The media ports of the gateway under test: apart from other gateways', so its sockets are easy to tell. */
const MEDIA_PORTS = { from: 45001, to: 46000 };
/** A service's usual open-file limit: the one the idle WebSockets of the attack exhausted. */
const MAX_OPEN_FILES = 1024;
const CHROMIUM_OFFER = path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp');

/**
 * The attacks of issue 10 on the signalling and WebRTC side, replayed against a real gateway process
 * with a common open-file limit, each followed by a real publish from Chromium (stock SDK).
 */
describe('the gateway process under hostile signalling clients', () => {
  let dir: string;
  let gateway: GatewayProcess;
  let browser: TestBrowser;
  let pages: PublisherPageServer;

  const mediaPorts = (): Promise<number[]> => udpPortsInRange(gateway.pid, MEDIA_PORTS.from, MEDIA_PORTS.to);
  const restAnswers = async (): Promise<boolean> => (await fetch(`${gateway.httpUrl}/rest-api/push/find_all`, { signal: AbortSignal.timeout(2000) })).status === 404;

  /** Publishes `name` from a new Chromium tab with the stock SDK; resolves with the tab once PUBLISHING, and how long it took, ms. */
  async function publishFromChromium(name: string): Promise<{ page: Awaited<ReturnType<TestBrowser['newPage']>>; ms: number }> {
    const page = await browser.newPage();
    const started = performance.now();
    await pages.publish(page, 'stock', { urlServer: gateway.wsUrl, name, constraints: { audio: true, video: { width: 320, height: 240 } } });
    return { page, ms: performance.now() - started };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ws-hostile-'));
    // A port per peer (webrtc_udp_port empty): the mode whose ports these attacks used to take.
    gateway = await startGatewayProcess(dir, { webrtc_udp_port: '', media_port_from: MEDIA_PORTS.from, media_port_to: MEDIA_PORTS.to, ws_handshake_timeout: 5000 }, MAX_OPEN_FILES);
    pages = await PublisherPageServer.start(gateway.httpUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gateway?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(gateway.child.exitCode).toBeNull();
    expect(gateway.output()).not.toContain('signalling handler failed');
  });

  test('a 10 KB connection message with a deeply nested array: the session is answered without it, the process lives', async () => {
    const client = await SignallingClient.open(gateway.wsUrl);
    const answer = client.next('getUserData');
    client.ws.send(jsonWithBomb({ message: 'connection', data: [{ appKey: 'defaultApp', custom: 'BOMB', mediaProviders: 'BOMB' }] }, nestedArrayText(5000)));
    expect(Object.keys((await answer).data[0]).sort()).toEqual(['appKey', 'authToken', 'sessionId', 'status']);
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gateway.child.exitCode).toBeNull();
    expect(await restAnswers()).toBe(true);
  });

  test('a 400-m-line offer gets FAILED at once and takes no UDP port; a real publish right after is PUBLISHING promptly and frees its ports when it stops', async () => {
    const client = await SignallingClient.open(gateway.wsUrl);
    await client.connect();
    const started = performance.now();
    const failed = client.next('notifyStreamStatusEvent');
    client.send('publishStream', { mediaSessionId: 'bomb-1', name: 'bomb', sdp: sdpBomb({ sections: 400, bundle: false }), hasAudio: true, hasVideo: false });
    expect((await failed).data[0]).toMatchObject({ status: 'FAILED', info: 'Invalid SDP offer: the offer has 400 media sections (at most 4)' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await mediaPorts()).toEqual([]);
    expect(await limitReached(gateway.httpUrl, 'webrtc_offer')).toBe(1);
    client.close();

    const { page, ms } = await publishFromChromium('after_bomb');
    expect(ms).toBeLessThan(8000);
    expect((await mediaPorts()).length).toBeGreaterThan(0);
    await pages.stopPublish(page);
    await waitFor('the publisher to free its UDP ports', async () => (await mediaPorts()).length === 0, 3000, 50);
    await page.close();
  });

  test('publishes per session: the fifth real offer gets FAILED; answered offers left without ICE free their ports when the client leaves', async () => {
    const offer = await readFile(CHROMIUM_OFFER, 'utf8');
    const client = await SignallingClient.open(gateway.wsUrl);
    await client.connect();
    for (let i = 1; i <= 4; i++) {
      const answer = client.next('setRemoteSDP');
      client.send('publishStream', { mediaSessionId: `id-${i}`, name: `abandoned${i}`, sdp: offer });
      expect((await answer).data[0]).toBe(`id-${i}`);
    }
    const failed = client.next('notifyStreamStatusEvent');
    client.send('publishStream', { mediaSessionId: 'id-5', name: 'abandoned5', sdp: offer });
    expect((await failed).data[0]).toMatchObject({ mediaSessionId: 'id-5', status: 'FAILED', info: 'Too many streams published in this session (at most 4)' });
    expect(await limitReached(gateway.httpUrl, 'ws_publishes_per_session')).toBe(1);
    expect((await mediaPorts()).length).toBeGreaterThanOrEqual(4);
    client.close();
    await waitFor('the abandoned peers to free their UDP ports', async () => (await mediaPorts()).length === 0, 3000, 50);
  });

  test('1,000 idle WebSockets from 10 addresses: 20 per address are kept and the rest refused with 429; REST answers, a real publish works, the idle ones are closed at the handshake timeout', async () => {
    const kept: WebSocket[] = [];
    const refused = new Map<number | string, number>();
    const addresses = Array.from({ length: 10 }, (_, i) => `127.0.0.${11 + i}`);
    const attempts = addresses.flatMap((address) => Array.from({ length: 100 }, () => address));
    // 100 connection attempts at a time, as fast as they are answered.
    for (let i = 0; i < attempts.length; i += 100) {
      const outcomes = await Promise.all(attempts.slice(i, i + 100).map((address) => tryOpen(gateway.wsUrl, address)));
      for (const result of outcomes) {
        if (result.outcome === 'open') kept.push(result.ws);
        else refused.set(result.outcome, (refused.get(result.outcome) ?? 0) + 1);
      }
    }
    expect(kept.length).toBe(200);
    expect(Object.fromEntries(refused)).toEqual({ 429: 800 });
    expect(await limitReached(gateway.httpUrl, 'ws_connections_per_ip')).toBe(800);
    expect(await restAnswers()).toBe(true);

    const closed = kept.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))));
    const { page } = await publishFromChromium('beside_idle');
    await pages.stopPublish(page);
    await page.close();
    const codes = await within(Promise.all(closed), 10_000, 'the idle WebSockets being closed');
    expect(new Set(codes)).toEqual(new Set([1008]));
    expect(await limitReached(gateway.httpUrl, 'ws_handshake_timeout')).toBe(200);
  });
});
