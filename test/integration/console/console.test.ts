import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { hashPassword } from '../../../server/access/password-file';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { waitFor } from '../../support/wait-for';

const TOKEN = 'console-test-token';
const STREAM_KEY = 'console-secret-key';
/** A user of rest_auth_users_file; the password is not Latin-1, so HTTP Basic must carry it as UTF-8. */
const USER = { name: 'operator', password: 'pässwörd ✓' };
/** In the page: the sound files as the console's own REST call gets them, or the HTTP status it failed with. */
const SOUND_FILES = "GatewayConsole.getJson('/rest-api/console/sounds').then((answer) => answer.files, (error) => error.status)";
/** Red, as the console paints a failed push. */
const RED = 'rgb(176, 0, 32)';

/**
 * The operator console (the page at /) in Chromium against a gateway with an access token and a
 * users file: it goes live once the token (or a user and its password) is entered, shows the
 * published camera with its metrics, starts a push with a server URL and a masked key to
 * nginx-rtmp and follows its numbers, mutes it, records the stream, shows a failing push in red
 * with its reason, fits a phone's width, and comes back by itself after the gateway restarts. On
 * failure a screenshot is saved (its path is in the error).
 */
describe('operator console', () => {
  let nginx: NginxRtmp;
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;
  let recordDir: string;
  /** Settings both gateways share (the second one takes the first one's HTTP port). */
  let overrides: Parameters<typeof startTestGateway>[0];

  beforeAll(async () => {
    recordDir = await mkdtemp(path.join(os.tmpdir(), 'console-records-'));
    const restAuthUsersFile = path.join(recordDir, 'users');
    await writeFile(restAuthUsersFile, `${await hashPassword(USER.name, USER.password)}\n`);
    // A failing push gives up after one retry, so its red state comes in a second.
    overrides = { apiAccessToken: TOKEN, restAuthUsersFile, recordDir, rtmpPushRetryAttempts: 1, rtmpPushRetryInitialDelayMs: 100 };
    nginx = await NginxRtmp.start();
    gw = await startTestGateway(overrides);
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await nginx?.stop();
    if (recordDir) await rm(recordDir, { recursive: true, force: true });
  });

  /** Runs a test's steps; on failure, saves a screenshot and names it in the error. */
  async function screenshotOnFailure(name: string, steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (err) {
      const file = path.join(os.tmpdir(), `console-${name}-${Date.now()}.png`);
      const saved = await page.screenshot({ path: file, fullPage: true }).then(() => true, () => false);
      if (saved) (err as Error).message += `\n(screenshot: ${file})`;
      throw err;
    }
  }

  /** The management API with the token. */
  async function api(route: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${gw.httpUrl}${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  const pushRow = '#transponders tr[data-media-session-id]';
  const cell = (row: string, label: string) => `${row} td[data-label="${label}"]`;
  const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();
  /** A CSS property of the element `selector` names, as the browser computes it. */
  const computed = (selector: string, property: string) => page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`);

  test('without the token the console asks for it; with it, it goes live and shows the published camera with its metrics', () =>
    screenshotOnFailure('live', async () => {
      await page.goto(`${gw.httpUrl}/`);
      await page.waitForSelector('#liveStatus[data-state="unauthorized"]', { timeout: 10_000 });
      await page.fill('#apiToken', TOKEN);
      await page.press('#apiToken', 'Enter');
      await page.waitForSelector('#liveStatus[data-state="live"]', { timeout: 10_000 });
      expect(await page.getAttribute('#live', 'data-stale')).toBe('false');
      expect(await page.evaluate("sessionStorage.getItem('gateway-console-token')")).toBe(TOKEN);

      await page.fill('#streamName', 'cam');
      await page.click('#publishBtn');
      await page.waitForSelector('#status[data-status="PUBLISHING"]', { timeout: 15_000 });
      const row = '#streams tr[data-stream-name="cam"]';
      await page.waitForSelector(row, { timeout: 10_000 });
      expect(await text(cell(row, 'Source'))).toBe('webrtc');
      // The row comes with the publisher; its codecs come with the first frames, a snapshot or two later.
      await waitFor('the codecs', async () => /H264/.test(await text(cell(row, 'Codecs'))));
      // The bitrate and the bytes received come from the stream's metrics.
      await waitFor('the stream bitrate', async () => /^[1-9][\d.]* (kbit|Mbit)\/s$/.test(await text(cell(row, 'Bitrate'))));
      // The first snapshots may count only audio (tens of bytes) while the camera's first frames are on their way.
      await waitFor('kilobytes received', async () => /\d+(\.\d)? (kB|MB)/.test(await text(cell(row, 'Received'))));
      // The sound files offered are those of the media directory.
      expect(await page.evaluate("[...document.querySelectorAll('#soundFile option')].map((o) => o.value)")).toContain('sample.wav');

      // Watch plays the stream in the player.
      await page.click(`${row} button[data-action="watch"]`);
      await page.waitForSelector('#playStatus[data-status="PLAYING"]', { timeout: 15_000 });
      await page.click('#playStopBtn');
    }));

  test('a push with a server URL and a masked key: publishing, bitrate and bytes move; mute; record the stream', () =>
    screenshotOnFailure('push', async () => {
      expect(await page.getAttribute('#streamKey', 'type')).toBe('password');
      await page.selectOption('#preset', { label: 'Twitch' });
      expect(await page.inputValue('#rtmpUrl')).toBe('rtmp://live.twitch.tv/app');
      await page.fill('#rtmpUrl', nginx.rtmpUrl('live'));
      await page.fill('#streamKey', STREAM_KEY);
      await page.click('#pushBtn');
      await nginx.waitForStream('live', STREAM_KEY, 10_000);

      await page.waitForSelector(`${cell(pushRow, 'State')}[data-state="publishing"]`, { timeout: 10_000 });
      expect(await text(cell(pushRow, 'Output'))).toBe(`${nginx.rtmpUrl('live')}/${STREAM_KEY.slice(0, 4)}…`);
      const sent = await text(cell(pushRow, 'Sent'));
      await waitFor('the bytes sent to change', async () => (await text(cell(pushRow, 'Sent'))) !== sent);
      await waitFor('a bitrate', async () => /^[1-9][\d.]* (kbit|Mbit)\/s$/.test(await text(cell(pushRow, 'Bitrate'))));
      expect(await text(cell(pushRow, 'Duration'))).toMatch(/^\d+:\d\d$/);
      // The key is nowhere on the page but in its password field.
      expect(await page.evaluate('document.body.innerText')).not.toContain(STREAM_KEY);

      await page.click(`${pushRow} button[data-action="mute"]`);
      await page.waitForSelector(`${pushRow} button[data-action="unmute"]`, { timeout: 5000 });
      expect(await text(cell(pushRow, 'Audio'))).toBe('muted');
      expect((await api('/rest-api/push/find_all')).body[0]).toMatchObject({ muted: true });
      await page.click(`${pushRow} button[data-action="sound_on"]`);
      await page.waitForSelector(`${pushRow} button[data-action="sound_off"]`, { timeout: 5000 });
      expect(await text(cell(pushRow, 'Audio'))).toBe('muted, sound file');

      const streamRow = '#streams tr[data-stream-name="cam"]';
      await page.click(`${streamRow} button[data-action="record"]`);
      const recording = '#recordings tr[data-media-session-id]';
      await page.waitForSelector(`${cell(recording, 'State')}[data-state="recording"]`, { timeout: 10_000 });
      expect(await text(cell(recording, 'Stream'))).toBe('cam');
      await waitFor('bytes recorded', async () => /\d+(\.\d)? (kB|MB)/.test(await text(cell(recording, 'Size'))));
      await page.click(`${recording} button[data-action="stop_recording"]`);
      await waitFor('the recording to stop', async () => (await api('/rest-api/recorder/find_all')).status === 404 || (await page.$(`${recording} button`)) === null);

      await page.click(`${pushRow} button[data-action="stop"]`);
      await page.waitForSelector('#transponders tr.empty', { timeout: 10_000 });
      expect(await page.isHidden('#error')).toBe(true);
    }));

  test('a push to a closed port is shown in red with its reason; at 375 px nothing overflows', () =>
    screenshotOnFailure('failed-push', async () => {
      await page.fill('#rtmpUrl', `rtmp://127.0.0.1:${await getFreePort()}/live`);
      await page.fill('#streamKey', 'nowhere');
      await page.click('#pushBtn');
      const state = `${cell(pushRow, 'State')}[data-state="failed"]`;
      await page.waitForSelector(state, { timeout: 15_000 });
      expect(await computed(state, 'color')).toBe(RED);
      expect(await text(cell(pushRow, 'Last error'))).toMatch(/ECONNREFUSED|refused/i);
      expect(Number(await text(cell(pushRow, 'Retries')))).toBeGreaterThanOrEqual(1);

      await page.setViewportSize({ width: 375, height: 800 });
      expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
      // Stacked cards: no table header, each cell labelled.
      expect(await computed('table:has(#transponders) thead', 'display')).toBe('none');
      expect(await computed(cell(pushRow, 'Output'), 'display')).toBe('flex');
      await page.setViewportSize({ width: 1280, height: 800 });
    }));

  test('terminate ends the publication of a stream', () =>
    screenshotOnFailure('terminate', async () => {
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('#streams tr[data-stream-name="cam"] button[data-action="terminate"]');
      await page.waitForSelector('#streams tr.empty', { timeout: 10_000 });
      await page.waitForSelector('#status:not([data-status="PUBLISHING"])', { timeout: 10_000 });
    }));

  test('when the gateway stops the console says so and keeps its data, marked stale; it comes back by itself', () =>
    screenshotOnFailure('restart', async () => {
      expect(await page.$$(pushRow)).toHaveLength(1);
      await gw.close();
      await page.waitForSelector('#liveStatus[data-state="disconnected"]', { timeout: 10_000 });
      expect(await page.getAttribute('#live', 'data-stale')).toBe('true');
      expect(await page.$$(pushRow)).toHaveLength(1);
      expect(await text('#liveInfo')).toMatch(/showing data from .*retrying in \d+ s/);

      gw = await startTestGateway({ ...overrides, httpPort: gw.settings.httpPort });
      await page.waitForSelector('#liveStatus[data-state="live"]', { timeout: 20_000 });
      expect(await page.getAttribute('#live', 'data-stale')).toBe('false');
      // The new gateway has its own database: no push, and the tables say so.
      await page.waitForSelector('#transponders tr.empty', { timeout: 5000 });
    }));

  test('a user of rest_auth_users_file signs in with its password (HTTP Basic): a wrong one is refused, the right one goes live', () =>
    screenshotOnFailure('basic-user', async () => {
      await page.fill('#apiUser', USER.name);
      await page.fill('#apiToken', 'wrong password');
      await page.press('#apiToken', 'Enter');
      await page.waitForSelector('#liveStatus[data-state="unauthorized"]', { timeout: 10_000 });
      expect(await text('#liveInfo')).toContain('a user of rest_auth_users_file and its password');
      expect(await page.evaluate(SOUND_FILES)).toBe(401);

      await page.fill('#apiToken', USER.password);
      await page.press('#apiToken', 'Enter');
      await page.waitForSelector('#liveStatus[data-state="live"]', { timeout: 10_000 });
      expect(await page.evaluate("sessionStorage.getItem('gateway-console-user')")).toBe(USER.name);
      // The console's REST calls carry the same credentials.
      expect(await page.evaluate(SOUND_FILES)).toContain('sample.wav');
    }));
});
