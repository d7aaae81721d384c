import type { Page } from 'playwright-core';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { killAllChildren } from '../../support/processes';
import { readTimeCode, unwrapTimeCode } from '../../support/time-code';
import { waitFor } from '../../support/wait-for';
import { WhipWhepPage } from '../../support/whip-whep-page';
import { startIngest } from '../recording/support/rtmp-ingest';
import { publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';

/** The ffmpeg test pattern's rate. */
const SOURCE_FPS = 25;

/**
 * WHEP playback with a player written elsewhere (medooze's `whip-whep` in Chromium): an
 * RTMP-ingested ffmpeg source (H.264 passed through, its AAC made Opus once for the stream), and a
 * browser publisher whose pictures carry a wall-clock time code, for glass-to-glass latency.
 */
describe('WHEP playback', () => {
  let setup: E2eSetup;
  let page: WhipWhepPage;

  beforeAll(async () => {
    setup = await startE2eSetup({ gateway: { corsOrigins: ['*'] } });
    page = await WhipWhepPage.start();
  });

  afterAll(async () => {
    await killAllChildren();
    await page?.close();
    await setup?.close();
  });

  const whepUrl = (name: string): string => `${setup.gw.httpUrl}/whep/${name}`;

  /** gateway_stream_readers from /metrics, by reader kind. */
  async function readers(): Promise<Record<string, number>> {
    const text = await (await fetch(`${setup.gw.httpUrl}/metrics`)).text();
    return Object.fromEntries([...text.matchAll(/^gateway_stream_readers\{reader="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  }

  async function viewer(name: string): Promise<{ tab: Page; resource: string }> {
    const tab = await setup.browser.newPage();
    await page.open(tab);
    return { tab, resource: await page.whepView(tab, whepUrl(name)) };
  }

  test('an RTMP-ingested ffmpeg source plays at its frame rate with audible audio; DELETE ends the viewer', async () => {
    const { publisher } = await startIngest(setup.gw, 'rtmpsrc', (url) => publishTestPattern(url, { gop: 25 }));
    try {
      const { tab, resource } = await viewer('rtmpsrc');
      expect(new URL(resource).pathname).toMatch(/^\/whep\/rtmpsrc\/[0-9a-f-]{36}$/);
      await waitFor('the first decoded frames', async () => (await page.inbound(tab)).framesDecoded > 10, 15_000);
      const before = await page.inbound(tab);
      const startedAt = performance.now();
      await waitFor('4 s of playback', async () => performance.now() - startedAt >= 4000, 10_000);
      const after = await page.inbound(tab);
      const seconds = (performance.now() - startedAt) / 1000;
      const fps = (after.framesDecoded - before.framesDecoded) / seconds;
      expect(fps).toBeGreaterThan(SOURCE_FPS * 0.8);
      expect(after.frameWidth).toBe(320);
      // The 440 Hz sine at ffmpeg's default amplitude (1/8) is about -21 dBFS: energy grows by ~0.008 per second.
      expect(after.audioSamples).toBeGreaterThan(before.audioSamples);
      expect((after.audioEnergy - before.audioEnergy) / seconds).toBeGreaterThan(0.001);

      const path = await setup.gw.gateway.directory.findPath('rtmpsrc');
      expect(path?.stream?.tracks.map((t) => t.codec)).toEqual(expect.arrayContaining(['h264', 'aac', 'opus']));
      // /metrics counts the viewer and the stream's one AAC→Opus transcoder among the readers.
      expect(await readers()).toMatchObject({ 'webrtc-viewer': 1, 'opus-from-aac': 1 });
      await tab.evaluate('window.whepStop()');
      await waitFor('the viewer to be gone', async () => (await fetch(resource, { method: 'DELETE' })).status === 404, 10_000);
      await waitFor('the metrics to drop the viewer', async () => (await readers())['webrtc-viewer'] === 0, 10_000);
      await tab.close();
    } finally {
      publisher.child.kill('SIGKILL');
    }
  });

  test('a browser publisher reaches a WHEP viewer within 500 ms, glass to glass', async () => {
    const { gw, pages, browser } = setup;
    const publisherTab = await browser.newPage();
    await pages.publish(publisherTab, 'ours', { urlServer: gw.wsUrl, name: 'glass', flashAndBeep: true });
    const { tab } = await viewer('glass');
    await waitFor('the first decoded frames', async () => (await page.inbound(tab)).framesDecoded > 10, 15_000);
    const samples = await page.timeCodes(tab, 60);
    const latencies = samples.flatMap(({ presentedAtMs, cells }) => {
      const code = readTimeCode(Uint8Array.from(cells));
      return code === undefined ? [] : [presentedAtMs - unwrapTimeCode(code, presentedAtMs)];
    });
    expect(latencies.length).toBeGreaterThan(samples.length / 2);
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    expect(median).toBeGreaterThan(0);
    expect(median).toBeLessThan(500);
    await tab.close();
    await publisherTab.close();
  });

  test('refusals: unknown stream 404, malformed SDP 400, unknown resource 404, PATCH 405', async () => {
    const post = (name: string, body: string) => fetch(whepUrl(name), { method: 'POST', headers: { 'content-type': 'application/sdp' }, body });
    const tab = await setup.browser.newPage();
    await page.open(tab);
    const offer = await tab.evaluate(`(async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      return (await pc.createOffer()).sdp;
    })()`) as string;
    const unknown = await post('nobody', offer);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/nobody/);
    const { publisher } = await startIngest(setup.gw, 'refusals', (url) => publishTestPattern(url));
    try {
      expect((await post('refusals', 'v=0\r\nnot an offer\r\n')).status).toBe(400);
      const ok = await post('refusals', offer);
      expect(ok.status).toBe(201);
      const location = `${setup.gw.httpUrl}${ok.headers.get('location') ?? ''}`;
      expect((await fetch(location, { method: 'PATCH', body: '' })).status).toBe(405);
      expect((await fetch(location, { method: 'DELETE' })).status).toBe(200);
      expect((await fetch(location, { method: 'DELETE' })).status).toBe(404);
    } finally {
      publisher.child.kill('SIGKILL');
      await tab.close();
    }
  });
});
