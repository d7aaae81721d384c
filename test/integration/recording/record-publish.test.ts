import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { flashBeepOffsets } from '../../support/av-sync';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { HookBackend } from '../../support/hook-backend';
import { maxKeyframeGap, probeFrames, probeStreams } from '../../support/media-probe';
import { PublisherPageServer, type SdkKind } from '../../support/publisher-page';
import { run } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { packetTimes, topLevelBoxes } from './support/mp4-inspect';

/** How long each browser publishes, s. */
const PUBLISH_SECONDS = 10;

/**
 * `createStream({record: true})` from Chromium, through our SDK and through the stock one: the
 * stream is recorded from publish to unpublish, and the file is judged by ffprobe and ffmpeg.
 */
describe('record: true publishes', () => {
  let dir: string;
  let hooks: HookBackend;
  let gw: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'record-publish-'));
    hooks = await HookBackend.start();
    gw = await startTestGateway({ recordDir: dir, recordWebhookUrl: `${hooks.baseUrl}/recorded` });
    pages = await PublisherPageServer.start(gw.httpUrl);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gw?.close();
    await hooks?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test.each<SdkKind>(['ours', 'stock'])('%s SDK: h264 + aac for the time published, A/V within 100 ms, seekable', async (sdk) => {
    const name = `rec-${sdk}`;
    const page = await browser.newPage();
    try {
      await pages.publish(page, sdk, { urlServer: gw.wsUrl, name, record: true, flashAndBeep: true });
      const publishedAt = performance.now();
      const [recording] = await waitFor('the recording to start', async () => {
        const found = (await gw.api('/rest-api/recorder/find', { streamName: name })).body;
        return Array.isArray(found) && found[0]?.state === 'recording' ? found : undefined;
      }, 15_000);
      expect(recording).toMatchObject({ streamName: name, lastError: null });
      await waitFor(`${PUBLISH_SECONDS} s of publishing`, () => performance.now() - publishedAt >= PUBLISH_SECONDS * 1000, (PUBLISH_SECONDS + 5) * 1000, 100);
      await pages.stopPublish(page);
      const publishedMs = performance.now() - publishedAt;
      const file = await waitFor('the file', () => hooks.calls('recorded').map((r) => r.body).find((b) => b.streamName === name), 20_000);
      expect(file).toMatchObject({ event: 'file', mediaSessionId: recording.mediaSessionId, finalized: true });
      const filePath = path.join(dir, file.fileName);
      expect(topLevelBoxes(await readFile(filePath)).slice(0, 3)).toEqual(['ftyp', 'moov', 'mdat']);
      const streams = await probeStreams(filePath);
      expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
      expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
      expect(Math.abs(file.duration - publishedMs)).toBeLessThan(500);
      expect(Math.abs((await packetTimes(filePath)).videoSeconds * 1000 - publishedMs)).toBeLessThan(500);
      const frames = await probeFrames(filePath, { seconds: PUBLISH_SECONDS + 2 });
      expect(frames.video[0]?.keyframe).toBe(true);
      expect(maxKeyframeGap(frames.video)).toBeLessThanOrEqual(2.1);
      const offsets = await flashBeepOffsets(filePath, PUBLISH_SECONDS - 1);
      expect(offsets.length).toBeGreaterThanOrEqual(PUBLISH_SECONDS - 3);
      const sorted = [...offsets].sort((a, b) => a - b);
      expect(Math.abs(sorted[Math.floor(sorted.length / 2)]!)).toBeLessThan(100);
      const seek = await run('ffmpeg', ['-v', 'error', '-ss', '5', '-i', filePath, '-frames:v', '1', '-f', 'null', '-'], { timeoutMs: 30_000 });
      expect(seek).toMatchObject({ code: 0, stderr: '' });
    } finally {
      await page.close();
    }
  }, 90_000);
});
