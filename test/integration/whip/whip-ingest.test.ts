import type { Page } from 'playwright-core';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { probeStreams } from '../../support/media-probe';
import { waitFor } from '../../support/wait-for';
import { WhipWhepPage } from '../../support/whip-whep-page';

const TOKEN = 'whip-test-token';

/**
 * WHIP ingest (RFC 9725) with a client written elsewhere: medooze's `whip-whep` in Chromium
 * publishes the fake camera and microphone, the stream is pushed to nginx-rtmp, and ffprobe reads
 * H.264 + AAC there. The page's origin is not the gateway's, so CORS is exercised too.
 */
describe('WHIP ingest', () => {
  let setup: E2eSetup;
  let page: WhipWhepPage;

  beforeAll(async () => {
    setup = await startE2eSetup({ gateway: { apiAccessToken: TOKEN, corsOrigins: ['*'], iceServers: ['stun:stun.example.test:3478'] } });
    page = await WhipWhepPage.start();
  });

  afterAll(async () => {
    await page?.close();
    await setup?.close();
  });

  const whipUrl = (name: string): string => `${setup.gw.httpUrl}/whip/${name}`;
  const auth = { authorization: `Bearer ${TOKEN}` };

  /** A send-only audio+video offer made by Chromium (never answered: for the HTTP checks). */
  async function chromiumOffer(tab: Page): Promise<string> {
    return tab.evaluate(`(async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'sendonly' });
      pc.addTransceiver('audio', { direction: 'sendonly' });
      return (await pc.createOffer()).sdp;
    })()`);
  }

  test('a WHIP client publishes from Chromium; the push reaches nginx-rtmp as H.264 + AAC; DELETE ends it', async () => {
    const { gw, nginx, browser } = setup;
    const tab = await browser.newPage();
    await page.open(tab);
    const resource = await page.whipPublish(tab, whipUrl('whipcam'), TOKEN);
    expect(new URL(resource).pathname).toMatch(/^\/whip\/whipcam\/[0-9a-f-]{36}$/);
    await waitFor('the WHIP stream to publish', async () => (await gw.gateway.directory.findPath('whipcam'))?.stream?.sourceKind === 'whip', 20_000);

    const started = await fetch(`${gw.httpUrl}/rest-api/push/startup`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ streamName: 'whipcam', rtmpUrl: nginx.rtmpUrl('live') }) });
    expect(started.status).toBe(200);
    await nginx.waitForStream('live', 'rtmp_whipcam', 20_000);
    const probed = await probeStreams(nginx.rtmpUrl('live', 'rtmp_whipcam'), { timeoutMs: 20_000 });
    expect(probed.video?.codec).toBe('h264');
    expect(probed.audio?.codec).toBe('aac');

    await tab.evaluate('window.whipStop()');
    await waitFor('the stream to end after the DELETE', async () => (await gw.gateway.directory.findPath('whipcam'))?.stream === undefined, 15_000);
    const again = await fetch(resource, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    await tab.close();
  });

  test('201 carries the answer, the resource and the ICE servers; PATCH is 405; a second publisher of the name gets 409', async () => {
    const tab = await setup.browser.newPage();
    await page.open(tab);
    const offer = await chromiumOffer(tab);
    const first = await fetch(whipUrl('taken'), { method: 'POST', headers: { ...auth, 'content-type': 'application/sdp' }, body: offer });
    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toMatch(/^application\/sdp/);
    const answer = await first.text();
    expect(answer).toMatch(/^v=0/);
    expect(answer).toMatch(/a=candidate:/);
    expect(first.headers.get('link')).toBe('<stun:stun.example.test:3478>; rel="ice-server"');
    const location = first.headers.get('location') ?? '';
    expect(location).toMatch(/^\/whip\/taken\/[0-9a-f-]{36}$/);

    const patch = await fetch(`${setup.gw.httpUrl}${location}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag' }, body: 'a=ice-ufrag:x\r\n' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('DELETE');

    const second = await fetch(whipUrl('taken'), { method: 'POST', headers: { ...auth, 'content-type': 'application/sdp' }, body: await chromiumOffer(tab) });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { message: string }).message).toMatch(/already in use/);

    expect((await fetch(`${setup.gw.httpUrl}${location}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    await waitFor('the name to be free again', async () => (await setup.gw.gateway.directory.findPath('taken'))?.stream === undefined, 15_000);
    await tab.close();
  });

  test('refusals: malformed SDP 400, wrong type 415, no token 401, unknown resource 404, CORS preflight answered', async () => {
    const post = (headers: Record<string, string>, body: string) => fetch(whipUrl('bad'), { method: 'POST', headers, body });
    const malformed = await post({ ...auth, 'content-type': 'application/sdp' }, 'v=0\r\nthis is not an offer\r\n');
    expect(malformed.status).toBe(400);
    const notSdp = await post({ ...auth, 'content-type': 'text/plain' }, 'v=0\r\n');
    expect(notSdp.status).toBe(415);
    const anonymous = await post({ 'content-type': 'application/sdp' }, 'v=0\r\n');
    expect(anonymous.status).toBe(401);
    const unknown = await fetch(`${whipUrl('bad')}/00000000-0000-0000-0000-000000000000`, { method: 'DELETE', headers: auth });
    expect(unknown.status).toBe(404);
    const preflight = await fetch(whipUrl('bad'), { method: 'OPTIONS', headers: { origin: 'http://elsewhere.test', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-expose-headers')).toMatch(/Location/);
    // The gateway is still answering.
    expect((await fetch(`${setup.gw.httpUrl}/rest-api/openapi.json`, { headers: auth })).status).toBe(200);
  });
});
