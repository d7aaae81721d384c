import { flashBeepOffsets } from '../../support/av-sync';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { waitFor } from '../../support/wait-for';

/**
 * Audio and video stay aligned through the gateway: the browser flashes and beeps at the same
 * instants, and the RTMP output must place each beep next to its flash. The push starts the moment
 * the stream publishes, before the browser's first RTCP sender report, the case where the two
 * tracks' timelines used to disagree.
 */
describe('A/V sync', () => {
  let setup: E2eSetup;

  beforeAll(async () => {
    setup = await startE2eSetup();
  });

  afterAll(async () => {
    await setup?.close();
  });

  test('a push started at publish time keeps each beep within 100 ms of its flash', async () => {
    const { nginx, gw, pages, browser } = setup;
    await pages.publish(await browser.newPage(), 'ours', { urlServer: gw.wsUrl, name: 'sync', rtmpUrl: nginx.rtmpUrl('live'), flashAndBeep: true });
    await nginx.waitForStream('live', 'rtmp_sync', 8000);
    await waitFor('the push to publish', async () => (await gw.api('/rest-api/push/find', { streamName: 'sync' })).body[0]?.state === 'publishing');
    const offsets = await flashBeepOffsets(nginx.rtmpUrl('live', 'rtmp_sync'), 6);
    expect(offsets.length).toBeGreaterThanOrEqual(4);
    const sorted = [...offsets].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    expect(Math.abs(median)).toBeLessThan(100);
    for (const offset of offsets) expect(Math.abs(offset)).toBeLessThan(150);
  });
});
