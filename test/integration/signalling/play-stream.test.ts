import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { PublisherPageServer, type SdkKind } from '../../support/publisher-page';
import { waitFor } from '../../support/wait-for';

/** How a play ended or started, as the page saw it. */
interface PlayOutcome {
  status: string;
  info: string;
}

/** What the viewer's <video> and its peer connection have shown so far. */
interface VideoProgress {
  currentTime: number;
  framesDecoded: number;
  width: number;
  height: number;
}

/**
 * Added to a publisher page (either SDK is loaded as the global `Flashphoner`): `window.play(o)`
 * opens a session of its own and plays `o.name` into #display; it resolves on the first status the
 * stream reports (PLAYING, or STOPPED/FAILED with the server's info). `window.playStatuses` keeps
 * every status; `window.videoProgress()` reads the <video> and the decoder, `window.framesShown()`
 * waits for frames on screen.
 */
const PLAY_SCRIPT = `
window.playStatuses = [];
window.play = (o) => new Promise((resolve, reject) => {
  Flashphoner.init({});
  const S = Flashphoner.constants.SESSION_STATUS, T = Flashphoner.constants.STREAM_STATUS;
  const session = Flashphoner.createSession({ urlServer: o.urlServer });
  window.playSession = session;
  session.on(S.ESTABLISHED, () => {
    const stream = session.createStream({ name: o.name, display: document.getElementById('display') });
    window.played = stream;
    for (const status of [T.PLAYING, T.STOPPED, T.FAILED]) {
      stream.on(status, () => {
        window.playStatuses.push(status + ':' + (stream.getInfo() || ''));
        resolve({ status, info: stream.getInfo() || '' });
      });
    }
    stream.play();
  }).on(S.FAILED, () => reject(new Error('session failed')))
    .on(S.DISCONNECTED, () => reject(new Error('session disconnected')));
});
// Resolves once the <video> has shown \`count\` more frames (requestVideoFrameCallback), rejects after timeoutMs.
window.framesShown = (count, timeoutMs) => new Promise((resolve, reject) => {
  const video = document.querySelector('#display video');
  let shown = 0;
  const timer = setTimeout(() => reject(new Error('only ' + shown + ' frames shown in ' + timeoutMs + ' ms')), timeoutMs);
  const onFrame = () => {
    shown += 1;
    if (shown < count) return video.requestVideoFrameCallback(onFrame);
    clearTimeout(timer);
    resolve(shown);
  };
  video.requestVideoFrameCallback(onFrame);
});
window.videoProgress = async () => {
  const video = document.querySelector('#display video');
  let framesDecoded = 0;
  for (const pc of window.peerConnections) {
    (await pc.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') framesDecoded += report.framesDecoded || 0;
    });
  }
  return { currentTime: video ? video.currentTime : 0, framesDecoded, width: video ? video.videoWidth : 0, height: video ? video.videoHeight : 0 };
};
`;

/** WebRTC playback over WCS signalling, end to end: Chromium publishes with the stock SDK, other tabs play with either SDK. */
describe('playStream with real clients', () => {
  let gw: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;
  let publisher: Page;

  beforeAll(async () => {
    gw = await startTestGateway();
    pages = await PublisherPageServer.start(gw.httpUrl);
    browser = await launchChromium();
    publisher = await browser.newPage();
    await pages.publish(publisher, 'stock', { urlServer: gw.wsUrl, name: 'cam', constraints: { audio: true, video: { width: 320, height: 240 } } });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gw?.close();
  });

  /** Opens a viewer tab for `sdk` and plays `name`; resolves with the page and the first status. */
  async function play(sdk: SdkKind, name: string): Promise<{ viewer: Page; outcome: PlayOutcome }> {
    const viewer = await browser.newPage();
    await viewer.goto(`${pages.url}/${sdk}`);
    await viewer.evaluate(PLAY_SCRIPT);
    const outcome = (await viewer.evaluate(`window.play(${JSON.stringify({ urlServer: gw.wsUrl, name })})`)) as PlayOutcome;
    return { viewer, outcome };
  }

  async function progress(viewer: Page): Promise<VideoProgress> {
    return (await viewer.evaluate('window.videoProgress()')) as VideoProgress;
  }

  test.each<SdkKind>(['stock', 'ours'])('%s SDK: PLAYING, the <video> decodes the published camera and advances; stop() → STOPPED', async (sdk) => {
    const { viewer, outcome } = await play(sdk, 'cam');
    expect(outcome).toEqual({ status: 'PLAYING', info: '' });

    // Chromium's fake camera sends 20 fps: 20 frames shown is about a second of video (generous bound: 2 shared cores).
    const first = await progress(viewer);
    await viewer.evaluate('window.framesShown(20, 20000)');
    // The decoder's count comes from getStats, which may lag the frames on screen by a frame or two.
    const after = await waitFor('20 more frames decoded', async () => {
      const now = await progress(viewer);
      return now.framesDecoded >= first.framesDecoded + 20 ? now : undefined;
    }, 5000, 100);
    expect(after.currentTime).toBeGreaterThan(first.currentTime + 0.5);
    expect(after).toMatchObject({ width: 320, height: 240 });

    const stopped = viewer.waitForFunction(() => (globalThis as unknown as { playStatuses: string[] }).playStatuses.some((s) => s.startsWith('STOPPED')), undefined, { timeout: 10_000 });
    await viewer.evaluate('window.played.stop()');
    await stopped;
    expect(await viewer.evaluate('window.playStatuses')).toEqual(['PLAYING:', 'STOPPED:Stopped by user']);
    await viewer.close();
  });

  test.each<SdkKind>(['stock', 'ours'])('%s SDK: playing a name nobody publishes fails with "Stream not found"', async (sdk) => {
    const { viewer, outcome } = await play(sdk, 'nobody');
    expect(outcome).toEqual({ status: 'FAILED', info: 'Stream not found' });
    await viewer.close();
  });

  test('the demo page plays a stream into its <video>, stops it, and shows why an unknown name fails', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.httpUrl}/`);
    await page.fill('#playName', 'cam');
    await page.click('#playBtn');
    await page.waitForSelector('#playStatus[data-status="PLAYING"]', { timeout: 15_000 });
    await page.waitForFunction('document.getElementById("playVideo").currentTime > 0.5', undefined, { timeout: 20_000 });
    await page.click('#playStopBtn');
    await page.waitForSelector('#playStatus[data-status="STOPPED"]', { timeout: 10_000 });
    expect(await page.isHidden('#playError')).toBe(true);

    await page.fill('#playName', 'nobody');
    await page.click('#playBtn');
    await page.waitForSelector('#playStatus[data-status="FAILED"]', { timeout: 15_000 });
    expect(await page.textContent('#playError')).toBe('Stream not found');
    expect(await page.isEnabled('#playBtn')).toBe(true);
    await page.close();
  });
});
