import http from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { FakeRtmpServer } from '../../support/fake-rtmp-server';
import { createFileSource } from '../../support/file-source';
import { startTestGateway } from '../../support/gateway-harness';
import { probeFrames, probeStreams, startsOnKeyframe } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { PublisherPageServer } from '../../support/publisher-page';
import { StallProxy } from '../../support/stall-proxy';
import { waitFor } from '../../support/wait-for';
import { parseVideoTagBody } from '../../../server/rtmp/protocol/flv';

const WEDGE_TIMEOUT_MS = 3000;
const MAX_BUFFER = 256 * 1024;

interface PushView {
  mediaSessionId: string;
  state: string;
  lastError: string | null;
  retries: number;
  queuedBytes: number;
  droppedFrames: number;
  sentBytes: number;
}

/**
 * Pushes that survive: a target that restarts, refuses, drops or wedges, and a publisher that
 * reloads its page. Each case checks what the target really received.
 */
describe('push resilience', () => {
  let setup: E2eSetup;
  let nginx: E2eSetup['nginx'];
  let gw: E2eSetup['gw'];
  let pages: E2eSetup['pages'];
  let browser: E2eSetup['browser'];
  let recordDir: string;
  let webhook: http.Server;
  const notifications: Array<{ mediaSessionId: string; state: string; lastError: string | null }> = [];

  async function find(streamName: string): Promise<PushView[]> {
    const res = await gw.api('/rest-api/push/find', { streamName });
    return res.status === 200 ? res.body : [];
  }

  async function onePush(streamName: string): Promise<PushView> {
    const [push] = await find(streamName);
    if (!push) throw new Error(`no push for ${streamName}`);
    return push;
  }

  beforeAll(async () => {
    recordDir = await mkdtemp(path.join(os.tmpdir(), 'nginx-record-'));
    const webhookPort = await getFreePort();
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        notifications.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(webhookPort, '127.0.0.1', resolve));
    const applications = [
        { name: 'live' },
        { name: 'rec', directives: ['record all;', `record_path ${recordDir};`, 'record_unique on;'] },
        { name: 'denied', directives: ['deny publish all;'] },
        // Like real ingest servers, this one drops a publisher that sends nothing (the wedged one).
        { name: 'wedge', directives: ['drop_idle_publisher 10s;'] },
    ];
    setup = await startE2eSetup({
      nginx: { applications },
      gateway: {
        rtmpPushRetryInitialDelayMs: 300,
        rtmpPushRetryMaxDelayMs: 1500,
        rtmpPushWedgeTimeoutMs: WEDGE_TIMEOUT_MS,
        rtmpPushMaxBufferBytes: MAX_BUFFER,
        webhookUrl: `http://127.0.0.1:${webhookPort}/hook`,
      },
    });
    ({ nginx, gw, pages, browser } = setup);
    await pages.publish(await browser.newPage(), 'ours', { urlServer: gw.wsUrl, name: 'cam', constraints: { audio: true, video: { width: 640, height: 480 } } });
  });

  afterAll(async () => {
    await setup?.close();
    await new Promise((resolve) => webhook?.close(resolve));
    if (recordDir) await rm(recordDir, { recursive: true, force: true });
  });

  test('nginx stopped and started again: the push comes back to publishing on its own, starting on a keyframe', async () => {
    const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('rec') });
    await nginx.waitForStream('rec', 'rtmp_cam', 8000);
    await waitFor('publishing', async () => (await onePush('rtmp_cam')).state === 'publishing');

    await nginx.restart(1000);
    const back = await waitFor('the push to publish again', async () => {
      const push = await onePush('rtmp_cam');
      return push.state === 'publishing' && push.retries > 0 ? push : undefined;
    }, 10_000);
    expect(back.lastError).toBeNull();
    expect((await probeStreams(nginx.rtmpUrl('rec', 'rtmp_cam'), { timeoutMs: 15_000 })).video?.codec).toBe('h264');

    // nginx records each publish from its first frame: the resumed one starts on a keyframe.
    await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
    const files = (await readdir(recordDir)).filter((f) => f.startsWith('rtmp_cam')).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const resumed = await probeFrames(path.join(recordDir, files.at(-1)!), { seconds: 30 });
    expect(startsOnKeyframe(resumed.video)).toBe(true);
    expect(resumed.audio.length).toBeGreaterThan(0);
  });

  test('a dropped connection resumes with continuous timestamps, on a keyframe after a new sequence header', async () => {
    const target = await FakeRtmpServer.start();
    try {
      const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `rtmp://127.0.0.1:${target.port}/live`, rtmpTransponderFullUrl: false });
      await target.message((m) => m.typeId === 9 && m.timestamp > 3500);
      const before = target.received[0]!.filter((m) => m.typeId === 9).at(-1)!.timestamp;
      target.connections[0]!.destroy();
      const firstVideo = await target.message((m) => target.received[1]?.includes(m) === true && m.typeId === 9);
      const secondVideo = await target.message((m) => target.received[1]?.includes(m) === true && m.typeId === 9 && m !== firstVideo);
      expect(parseVideoTagBody(Buffer.from(firstVideo.payload)).avcPacketType).toBe(0);
      const resumedOn = parseVideoTagBody(Buffer.from(secondVideo.payload));
      expect(resumedOn).toMatchObject({ avcPacketType: 1, frameType: 1 });
      expect(secondVideo.timestamp).toBeGreaterThan(before - 2000);
      expect((await onePush('rtmp_cam')).retries).toBe(1);
      await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
    } finally {
      await target.close();
    }
  });

  test('a target that refuses the publish shows reconnecting with the reason; with attempts used up the push fails', async () => {
    const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('denied') });
    const refused = await waitFor('the refusal', async () => {
      const push = await onePush('rtmp_cam');
      return push.lastError ? push : undefined;
    });
    expect(refused.state).toMatch(/reconnecting|connecting/);
    expect(refused.lastError).toMatch(/^PUBLISH_REJECTED/);
    await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });

    const strict = await startTestGateway({ rtmpPushRetryInitialDelayMs: 200, rtmpPushRetryMaxDelayMs: 200, rtmpPushRetryAttempts: 2 });
    const strictPages = await PublisherPageServer.start(strict.httpUrl);
    try {
      await strictPages.publish(await browser.newPage(), 'ours', { urlServer: strict.wsUrl, name: 'cam2' });
      await strict.api('/rest-api/push/startup', { streamName: 'cam2', rtmpUrl: nginx.rtmpUrl('denied') });
      const failed = await waitFor('the push to fail', async () => {
        const [push] = (await strict.api('/rest-api/push/find_all')).body as PushView[];
        return push?.state === 'failed' ? push : undefined;
      });
      expect(failed).toMatchObject({ retries: 2, lastError: expect.stringMatching(/^PUBLISH_REJECTED/) });
      // A failed push stays visible until replaced or terminated; startup may replace it.
      expect((await strict.api('/rest-api/push/startup', { streamName: 'cam2', rtmpUrl: nginx.rtmpUrl('denied') })).status).toBe(200);
    } finally {
      await strictPages.close();
      await strict.close();
    }
  });

  test('a wedged connection is detected within the wedge timeout and reconnected, with the queue bounded meanwhile', async () => {
    // 20 Mbit/s, so the loopback socket buffers (several MB) fill within seconds once the proxy stops reading.
    const source = await createFileSource({ width: 640, height: 360, fps: 25, videoKbps: 20_000, seconds: 4 });
    source.start(gw.gateway.paths, 'fast');
    const proxy = await StallProxy.start(nginx.rtmpPort);
    try {
      const started = await gw.api('/rest-api/push/startup', { streamName: 'fast', rtmpUrl: `rtmp://127.0.0.1:${proxy.port}/wedge` });
      // Media must have reached nginx before the stall: nginx only drops an idle publisher that has sent some.
      await waitFor('publishing, with media sent', async () => {
        const push = await onePush('rtmp_fast');
        return push.state === 'publishing' && push.sentBytes > 1024 * 1024;
      });
      const memoryBefore = process.memoryUsage().arrayBuffers;
      proxy.stall();
      let maxQueued = 0;
      // The wedge clock starts when the gateway's socket last made progress (kernel buffers full).
      let flushed = -1;
      let lastProgressAt = Date.now();
      const resumed = await waitFor('a reconnect after the wedge', async () => {
        const push = await onePush('rtmp_fast');
        maxQueued = Math.max(maxQueued, push.queuedBytes);
        if (push.retries > 0) return push;
        if (push.sentBytes - push.queuedBytes > flushed) {
          flushed = push.sentBytes - push.queuedBytes;
          lastProgressAt = Date.now();
        }
        return undefined;
      }, 60_000, 50);
      const detectedAfter = Date.now() - lastProgressAt;
      expect(resumed.lastError).toMatch(/^WEDGED: the target took no data for 3 s/);
      expect(detectedAfter).toBeGreaterThanOrEqual(WEDGE_TIMEOUT_MS - 500);
      expect(detectedAfter).toBeLessThan(WEDGE_TIMEOUT_MS + 1500);
      // Bounded while wedged: whole GOPs are dropped past the limit instead of queueing.
      expect(maxQueued).toBeLessThanOrEqual(MAX_BUFFER + 1024 * 1024);
      expect((await onePush('rtmp_fast')).droppedFrames).toBeGreaterThan(0);
      expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(32 * 1024 * 1024);
      await waitFor('publishing again through a new connection', async () => (await onePush('rtmp_fast')).state === 'publishing' && proxy.accepted >= 2, 25_000);
      await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
    } finally {
      source.stop();
      await proxy.close();
    }
  });

  test('a reserved push waits (pending) for its stream and starts when it is published; without reserve it is a 404', async () => {
    expect((await gw.api('/rest-api/push/startup', { streamName: 'later', rtmpUrl: nginx.rtmpUrl('live') })).status).toBe(404);
    const reserved = await gw.api('/rest-api/push/startup', { streamName: 'later', rtmpUrl: nginx.rtmpUrl('live'), reserve: true });
    expect(reserved.status).toBe(200);
    expect(reserved.body).toMatchObject({ state: 'pending', streamName: 'rtmp_later' });
    const page = await browser.newPage();
    await pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'later' });
    await nginx.waitForStream('live', 'rtmp_later', 8000);
    await pages.stopPublish(page);
    // A reserved push outlives its publisher: it waits for the next one.
    await waitFor('pending again', async () => (await onePush('rtmp_later')).state === 'pending');
    await gw.api('/rest-api/push/terminate', { mediaSessionId: reserved.body.mediaSessionId });
    await page.close();
  });

  test('a publisher that reloads within the grace period: nginx sees one continuous publish', async () => {
    const page = await browser.newPage();
    await pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'blip' });
    const started = await gw.api('/rest-api/push/startup', { streamName: 'blip', rtmpUrl: nginx.rtmpUrl('live') });
    await waitFor('publishing', async () => (await onePush('rtmp_blip')).state === 'publishing');
    await pages.disconnect(page); // like a reload: the signalling session drops
    await waitFor('the publisher to be gone', async () => !gw.gateway.paths.stream('blip'));
    const during = (await nginx.waitForStream('live', 'rtmp_blip', 1000)).bytesIn;
    await page.reload();
    await pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'blip' });
    const push = await onePush('rtmp_blip');
    expect(push).toMatchObject({ mediaSessionId: started.body.mediaSessionId, state: 'publishing', retries: 0 });
    await waitFor('new media at nginx', async () => (await nginx.waitForStream('live', 'rtmp_blip', 1000)).bytesIn > during + 50_000);
    expect((await nginx.errorLog()).match(/publish: name='rtmp_blip' /g)).toHaveLength(1);
    expect((await probeStreams(nginx.rtmpUrl('live', 'rtmp_blip'), { timeoutMs: 15_000 })).video?.codec).toBe('h264');
    await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
    await page.close();
  });

  test('every state change reached the webhook, in order', async () => {
    const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
    const id = started.body.mediaSessionId as string;
    await waitFor('publishing', async () => (await onePush('rtmp_cam')).state === 'publishing');
    await gw.api('/rest-api/push/terminate', { mediaSessionId: id });
    const states = await waitFor('the stopped notification', () => {
      const seen = notifications.filter((n) => n.mediaSessionId === id).map((n) => n.state);
      return seen.at(-1) === 'stopped' ? seen : undefined;
    });
    expect(states).toEqual(['pending', 'connecting', 'publishing', 'stopped']);
  });

  test('/metrics shows pushes by state, bytes, reconnects, publishers, stream readers, frame latency, and each push\'s drops and queue', async () => {
    const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
    await waitFor('publishing', async () => (await onePush('rtmp_cam')).state === 'publishing');
    const text = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^gateway_pushes\{state="publishing"\} 1$/m);
    expect(text).toMatch(/^gateway_publishers\{kind="webrtc"\} 1$/m);
    // Readers of the stream: the push, and the Opus→AAC transcoder that feeds it; no player or viewer.
    expect(text).toMatch(/^gateway_stream_readers\{reader="push"\} 1$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="aac-from-opus"\} 1$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="webrtc-viewer"\} 0$/m);
    expect(Number(/^gateway_push_sent_bytes_total (\d+)/m.exec(text)?.[1])).toBeGreaterThan(100_000);
    expect(Number(/^gateway_push_reconnects_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/^gateway_frame_latency_seconds_count\{track="video"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThan(10);
    expect(Number(/^gateway_frame_latency_seconds_count\{track="audio"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThan(10);
    // Per push: what its queue dropped and what waits in it.
    const id = started.body.mediaSessionId as string;
    expect(text).toMatch(new RegExp(`^gateway_push_dropped_frames\\{mediaSessionId="${id}",streamName="cam"\\} 0$`, 'm'));
    expect(text).toMatch(new RegExp(`^gateway_push_queued_frames\\{mediaSessionId="${id}",streamName="cam"\\} \\d+$`, 'm'));
    expect(text).toMatch(new RegExp(`^gateway_push_queued_bytes\\{mediaSessionId="${id}",streamName="cam"\\} \\d+$`, 'm'));
    await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
  });
});
