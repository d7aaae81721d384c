import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { maxKeyframeGap, probeFrames, probeStreams } from '../../support/media-probe';
import type { SdkKind } from '../../support/publisher-page';
import { waitFor } from '../../support/wait-for';

/**
 * The heart of the product, end to end: headless Chromium publishes camera + microphone through
 * a web SDK, /push/startup republishes it to a real nginx-rtmp, and ffprobe checks what arrived.
 */
describe('browser → gateway → nginx-rtmp', () => {
  let setup: E2eSetup;
  let nginx: E2eSetup['nginx'];
  let gw: E2eSetup['gw'];
  let pages: E2eSetup['pages'];
  let browser: E2eSetup['browser'];

  beforeAll(async () => {
    setup = await startE2eSetup();
    ({ nginx, gw, pages, browser } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  const streamGone = (name: string) => async () => !(await nginx.stats()).some((app) => app.streams.some((s) => s.name === name));

  test.each<SdkKind>(['ours', 'stock'])('%s SDK: H.264 + AAC at the published size, keyframes ≤ 2 s apart, gone after terminate', async (sdk) => {
    const page = await browser.newPage();
    const name = `cam_${sdk}`;
    await pages.publish(page, sdk, { urlServer: gw.wsUrl, name, constraints: { audio: true, video: { width: 640, height: 480 } } });

    const started = await gw.api('/rest-api/push/startup', { streamName: name, rtmpUrl: nginx.rtmpUrl('live') });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ streamName: `rtmp_${name}`, rtmpUrl: nginx.rtmpUrl('live'), muted: false, soundEnabled: false, options: {} });
    expect(started.body.mediaSessionId).toMatch(/^[0-9a-v]{26}$/);

    await nginx.waitForStream('live', `rtmp_${name}`, 10_000);
    const url = nginx.rtmpUrl('live', `rtmp_${name}`);
    const streams = await probeStreams(url, { timeoutMs: 15_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    // Chromium sends mono Opus unless the page asks for stereo in its SDP; the AAC follows (aac_channels=auto).
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 1 });

    const frames = await probeFrames(url, { seconds: 7 });
    expect(frames.video.filter((f) => f.keyframe).length).toBeGreaterThanOrEqual(3);
    expect(maxKeyframeGap(frames.video)).toBeLessThanOrEqual(2.0);
    expect(frames.audio.length).toBeGreaterThan(100);

    const found = await gw.api('/rest-api/push/find', { streamName: `rtmp_${name}` });
    expect(found.status).toBe(200);
    expect(found.body).toEqual([expect.objectContaining({ mediaSessionId: started.body.mediaSessionId, width: 640, height: 480, state: 'publishing' })]);

    expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
    await waitFor(`rtmp_${name} to leave nginx`, streamGone(`rtmp_${name}`), 10_000);
    expect((await gw.api('/rest-api/push/find_all')).status).toBe(404);
    await page.close();
  });

  test('stock SDK with an sdpHook that asks for stereo in the answer: Chromium sends stereo Opus, and the AAC at nginx is stereo', async () => {
    const page = await browser.newPage();
    const name = 'cam_stereo';
    await pages.publish(page, 'stock', { urlServer: gw.wsUrl, name, stereoAnswer: true });
    const started = await gw.api('/rest-api/push/startup', { streamName: name, rtmpUrl: nginx.rtmpUrl('live') });
    expect(started.status).toBe(200);
    await nginx.waitForStream('live', `rtmp_${name}`, 10_000);
    const streams = await probeStreams(nginx.rtmpUrl('live', `rtmp_${name}`), { timeoutMs: 15_000 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 2 });
    expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
    await page.close();
  });

  test('stock SDK createStream({rtmpUrl}) starts the push as soon as the stream publishes; it ends when the publisher stops', async () => {
    const page = await browser.newPage();
    await pages.publish(page, 'stock', { urlServer: gw.wsUrl, name: 'auto1', rtmpUrl: nginx.rtmpUrl('live') });
    const stats = await nginx.waitForStream('live', 'rtmp_auto1', 8000);
    expect(stats.publishing).toBe(true);
    const [push] = (await gw.api('/rest-api/push/find', { streamName: 'auto1' })).body;
    expect(push).toMatchObject({ sourceStreamName: 'auto1', streamName: 'rtmp_auto1' });

    await pages.stopPublish(page);
    await waitFor('the push to leave find_all', async () => (await gw.api('/rest-api/push/find_all')).status === 404, 10_000);
    await waitFor('rtmp_auto1 to leave nginx', streamGone('rtmp_auto1'), 10_000);
    await page.close();
  });

  test('a VP8-only publisher is transcoded to H.264', async () => {
    const page = await browser.newPage();
    await pages.publish(page, 'stock', { urlServer: gw.wsUrl, name: 'vp8cam', stripCodecs: 'H264', constraints: { audio: true, video: { width: 640, height: 480 } } });
    const started = await gw.api('/rest-api/push/startup', { streamName: 'vp8cam', rtmpUrl: nginx.rtmpUrl('live') });
    expect(started.status).toBe(200);
    await nginx.waitForStream('live', 'rtmp_vp8cam', 8000);
    const streams = await probeStreams(nginx.rtmpUrl('live', 'rtmp_vp8cam'), { timeoutMs: 15_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect(streams.audio).toMatchObject({ codec: 'aac' });
    await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
    await page.close();
  });

  test('the same stream to the same rtmpUrl twice is a 409; a second target is fine; find matches source and target names', async () => {
    const page = await browser.newPage();
    await pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'dup' });
    const first = await gw.api('/rest-api/push/startup', { streamName: 'dup', rtmpUrl: nginx.rtmpUrl('live') });
    expect(first.status).toBe(200);
    const again = await gw.api('/rest-api/push/startup', { streamName: 'dup', rtmpUrl: nginx.rtmpUrl('live') });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(first.body.mediaSessionId);
    const second = await gw.api('/rest-api/push/startup', { streamName: 'dup', rtmpUrl: `${nginx.rtmpUrl('live')}/dup_key`, rtmpTransponderFullUrl: true });
    expect(second.status).toBe(200);
    expect(second.body.streamName).toBe('dup_key');

    expect((await gw.api('/rest-api/push/find', { streamName: 'dup' })).body).toHaveLength(2);
    expect((await gw.api('/rest-api/push/find', { streamName: 'dup_key' })).body).toEqual([expect.objectContaining({ mediaSessionId: second.body.mediaSessionId })]);
    expect((await gw.api('/rest-api/push/find', { streamName: 'dup', rtmpUrl: nginx.rtmpUrl('live') })).body).toEqual([expect.objectContaining({ mediaSessionId: first.body.mediaSessionId })]);
    await nginx.waitForStream('live', 'dup_key', 10_000);
    // Both pushes share the stream's one Opus → AAC transcoder: one codec session.
    const codecSessions = () => gw.gateway.codecs.stats().workers.reduce((sum, worker) => sum + worker.sessions, 0);
    await waitFor('both pushes to read audio', async () => (await gw.api('/rest-api/push/find', { streamName: 'dup' })).body.every((p: { state: string }) => p.state === 'publishing'));
    await waitFor('the transcoder to start', () => codecSessions() > 0);
    expect(codecSessions()).toBe(1);

    await pages.stopPublish(page);
    await waitFor('both pushes to end', async () => (await gw.api('/rest-api/push/find_all')).status === 404, 10_000);
    await page.close();
  });
});
