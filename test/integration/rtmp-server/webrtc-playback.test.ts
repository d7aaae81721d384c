import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeFrames, probeStreams, startsOnKeyframe } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { PublisherPageServer } from '../../support/publisher-page';
import { rtmpServersApi } from './support/api-client';

/** A stream published from a browser over WebRTC is played over RTMP from a server created over REST. */
describe('browser (WebRTC) → gateway → RTMP player', () => {
  let dir: string;
  let gw: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-webrtc-'));
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite') });
    pages = await PublisherPageServer.start(gw.httpUrl);
    browser = await launchChromium();
    port = await getFreePort();
    expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'playback', server_port: port })).status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('ffprobe plays the WebRTC-published stream from the RTMP server: H.264 at the published size and AAC, starting on a keyframe', async () => {
    const page = await browser.newPage();
    await pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'webcam', constraints: { audio: true, video: { width: 640, height: 480 } } });
    expect(gw.gateway.paths.stream('webcam')?.source.kind).toBe('webrtc');

    const url = `rtmp://127.0.0.1:${port}/live/webcam`;
    const streams = await probeStreams(url, { timeoutMs: 20_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    const frames = await probeFrames(url, { seconds: 3 });
    expect(startsOnKeyframe(frames.video)).toBe(true);
    expect(frames.audio.length).toBeGreaterThan(50);

    await pages.stopPublish(page);
    await page.close();
  });
});
