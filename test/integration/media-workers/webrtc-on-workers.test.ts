import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import type { TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { waitFor } from '../../support/wait-for';

/**
 * workers=2 with WebRTC: two Chromium publishers through our SDK land on the two media workers
 * (the main process negotiates one, the child the other, the signalling staying in the main
 * process), and each stream, Opus made AAC on its own worker, reaches nginx-rtmp.
 */
describe('WebRTC publishers on media workers (workers=2)', () => {
  let setup: E2eSetup;
  let gw: TestGateway;

  beforeAll(async () => {
    setup = await startE2eSetup({ gateway: { workers: 2, codecWorkers: 2 } });
    gw = setup.gw;
  });

  afterAll(async () => {
    await setup?.close();
  });

  test('each publisher is negotiated on its own worker and pushed to nginx-rtmp with H.264 and AAC', async () => {
    const published = async (name: string): Promise<boolean> => (await gw.api('/rest-api/stream/find', { name })).status === 200;
    for (const name of ['cam1', 'cam2']) {
      await setup.pages.publish(await setup.browser.newPage(), 'ours', { urlServer: gw.wsUrl, name });
      await waitFor(`${name} to be published`, () => published(name), 20_000);
    }
    const workers = gw.gateway.workers!;
    expect(new Set([workers.placement.nodeOf('cam1'), workers.placement.nodeOf('cam2')])).toEqual(new Set([0, 1]));
    for (const name of ['cam1', 'cam2']) {
      expect((await gw.api('/rest-api/push/startup', { streamName: name, rtmpUrl: setup.nginx.rtmpUrl('live') })).status).toBe(200);
    }
    for (const name of ['cam1', 'cam2']) {
      await setup.nginx.waitForStream('live', `rtmp_${name}`, 20_000);
      const streams = await probeStreams(setup.nginx.rtmpUrl('live', `rtmp_${name}`), { timeoutMs: 20_000 });
      expect(streams.video).toMatchObject({ codec: 'h264' });
      expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    }
  });

  test("a child killed with SIGKILL ends its publisher's stream only; the main process's push goes on", async () => {
    const workers = gw.gateway.workers!;
    const onChild = workers.placement.nodeOf('cam1') === 1 ? 'cam1' : 'cam2';
    const onMain = onChild === 'cam1' ? 'cam2' : 'cam1';
    const mainPush = (await gw.api('/rest-api/push/find', { streamName: onMain })).body[0] as { mediaSessionId: string; sentBytes: number };
    const ended = new Promise<string>((resolve) => gw.gateway.directory.on('path-unpublished', (name, reason) => name === onChild && resolve(reason.info)));
    workers.worker(1)!.kill('SIGKILL');
    expect(await ended).toBe('Media worker 1 was lost');
    expect((await gw.api('/rest-api/stream/find', { name: onChild })).status).toBe(404);
    await waitFor('the main process push to keep sending', async () => {
      const [push] = (await gw.api('/rest-api/push/find', { streamName: onMain })).body as Array<{ mediaSessionId: string; sentBytes: number; state: string }>;
      return push?.mediaSessionId === mainPush.mediaSessionId && push.state === 'publishing' && push.sentBytes > mainPush.sentBytes;
    }, 10_000);
  });
});
