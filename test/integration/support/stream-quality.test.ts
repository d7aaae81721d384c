import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { killAllChildren } from '../../support/processes';
import { avSyncSamples, formatQualityReport, isIntact, qualityReport, streamClock } from '../../support/stream-quality';
import { recordStream } from '../../support/stream-recording';
import { waitFor } from '../../support/wait-for';

/**
 * The stream-quality measurement on a clean publish over loopback: Chromium publishes the
 * flash-and-beep page through the gateway to nginx-rtmp, and ffmpeg decodes 10 s of it. Nothing
 * is impaired, so the figures must be those of a healthy stream, and the wall-clock mapping must
 * put each flash where the page says it drew it.
 */
describe('stream quality of a clean publish', () => {
  let setup: E2eSetup;

  beforeAll(async () => {
    setup = await startE2eSetup();
  });

  afterAll(async () => {
    await setup?.close();
    await killAllChildren();
  });

  test('every picture decodes, freezes last about one frame, A/V sync holds and the clock maps flashes', async () => {
    const { nginx, gw, pages, browser } = setup;
    const page = await browser.newPage();
    await pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'quality', rtmpUrl: nginx.rtmpUrl('live'), flashAndBeep: true });
    await nginx.waitForStream('live', 'rtmp_quality', 8000);
    await waitFor('the push to publish', async () => (await gw.api('/rest-api/push/find', { streamName: 'quality' })).body[0]?.state === 'publishing');
    const flashesStartedAtMs = await pages.flashesStartedAtMs(page);

    const recording = await recordStream(nginx.rtmpUrl('live', 'rtmp_quality'), 10);
    const report = qualityReport(recording);
    console.log(`${formatQualityReport('clean loopback', report)}, clock spread ${Math.round(report.clockSpreadMs)} ms`);
    // Which pictures were damaged, should any be: a run of them at one end points at a timestamp step.
    const clock = streamClock(recording.frames);
    const damaged = recording.frames.filter((frame) => !isIntact(frame, clock));
    if (damaged.length > 0) console.log(`damaged pictures (pts s: time code minus clock, ms): ${damaged.map((f) => `${f.pts.toFixed(3)}: ${f.drawnAtMs === undefined ? 'unreadable' : Math.round(f.drawnAtMs - f.pts * 1000 - clock.offsetMs)}`).join(', ')}`);

    expect(recording.errors).toEqual([]);
    expect(report.frames).toBeGreaterThan(10 * 20);
    expect(report.damagedFrames).toBe(0);
    expect(report.frameIntervalMs).toBeGreaterThan(25);
    expect(report.frameIntervalMs).toBeLessThan(50);
    expect(report.longestFreezeMs).toBeLessThan(150);
    expect(Math.abs(report.avSyncMedianMs!)).toBeLessThan(100);

    // The mapping: flash k was drawn from flashesStartedAtMs + k s; its first picture must be where the clock puts that moment.
    expect(clock.spreadMs).toBeLessThan(40);
    const flashes = avSyncSamples(recording).map((sample) => sample.atS);
    expect(flashes.length).toBeGreaterThanOrEqual(8);
    for (const flashS of flashes) {
      const k = Math.round(flashS - clock.toStreamS(flashesStartedAtMs));
      const errorMs = (flashS - clock.toStreamS(flashesStartedAtMs + k * 1000)) * 1000;
      expect(errorMs).toBeGreaterThan(-20);
      expect(errorMs).toBeLessThan(70);
    }
  });
});
