import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { flashBeepOffsets } from '../../support/av-sync';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { maxKeyframeGap, probeFrames, probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { spawnTracked, stopGracefully, type TrackedProcess } from '../../support/processes';
import { TsReader } from '../../support/ts-reader';
import { largestBurst, udpReceiver } from '../../support/udp-receiver';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { pathPublished, publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';

/** How long the receivers record, s (the check: no continuity error over 20 s). */
const RECORD_SECONDS = 20;

/** ffmpeg listening for an SRT caller and copying what it gets into `file`; it logs a continuity error as "Packet corrupt". */
function srtListener(port: number, file: string, query = ''): TrackedProcess {
  return spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'warning', '-y', '-i', `srt://127.0.0.1:${port}?mode=listener${query}`, '-t', String(RECORD_SECONDS), '-c', 'copy', '-f', 'mpegts', file]);
}

/**
 * MPEG-TS pushes end to end, received by programs others wrote: a Chromium publisher pushed over
 * UDP (the raw datagrams checked for continuity and pacing, then decoded by ffprobe and ffmpeg for
 * format, keyframes and A/V sync), and an RTMP-ingested ffmpeg publisher pushed over SRT to an
 * ffmpeg listener, with a passphrase, a wrong passphrase and a receiver that restarts.
 */
describe('MPEG-TS pushes over UDP and SRT', () => {
  let setup: E2eSetup;
  let dir: string;

  beforeAll(async () => {
    setup = await startE2eSetup();
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpegts-push-'));
  });

  afterAll(async () => {
    await setup?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('Chromium → udp://: h264 + aac at the published size, no continuity error, keyframes ≤ 2 s apart, A/V within 100 ms, paced', async () => {
    const { gw, pages, browser } = setup;
    await pages.publish(await browser.newPage(), 'ours', { urlServer: gw.wsUrl, name: 'udpcam', flashAndBeep: true });
    const receiver = await udpReceiver();
    try {
      const started = await gw.api('/rest-api/push/startup', { streamName: 'udpcam', rtmpUrl: `udp://127.0.0.1:${receiver.port}` });
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ rtmpUrl: `udp://127.0.0.1:${receiver.port}`, sourceStreamName: 'udpcam' });
      await waitFor('the push to send', async () => (await gw.api('/rest-api/push/find', { streamName: 'udpcam' })).body[0]?.state === 'publishing', 15_000);
      const firstAt = await waitFor('the first datagram', () => receiver.datagrams[0]?.atMs, 15_000);
      await waitFor(`${RECORD_SECONDS} s of datagrams`, () => performance.now() - firstAt >= RECORD_SECONDS * 1000, (RECORD_SECONDS + 10) * 1000, 250);
      expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
    } finally {
      receiver.close();
    }
    const { datagrams, chunks } = receiver;
    expect(datagrams.every((d) => d.bytes % 188 === 0 && d.bytes <= 1316)).toBe(true);
    const reader = new TsReader();
    for (const chunk of chunks) reader.push(chunk);
    expect(reader.summary()).toMatchObject({ ccErrors: 0 });
    // ~2.5 Mbit/s at most: unpaced, the cached GOP and each keyframe would arrive in one burst.
    expect(largestBurst(datagrams, 10)).toBeLessThan(40_000);

    const file = path.join(dir, 'udp.ts');
    await writeFile(file, Buffer.concat(chunks));
    const streams = await probeStreams(file);
    expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    const frames = await probeFrames(file, { seconds: RECORD_SECONDS });
    expect(maxKeyframeGap(frames.video)).toBeLessThanOrEqual(2.1);
    const offsets = await flashBeepOffsets(file, RECORD_SECONDS - 2);
    expect(offsets.length).toBeGreaterThanOrEqual(10);
    const sorted = [...offsets].sort((a, b) => a - b);
    expect(Math.abs(sorted[Math.floor(sorted.length / 2)]!)).toBeLessThan(100);
  }, 120_000);

  test('ffmpeg receives udp:// directly and decodes both tracks', async () => {
    const { gw } = setup;
    const port = await getFreePort();
    const file = path.join(dir, 'ffmpeg-udp.ts');
    const receiver = spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', `udp://127.0.0.1:${port}?timeout=20000000`, '-t', '4', '-c', 'copy', '-f', 'mpegts', file]);
    const started = await gw.api('/rest-api/push/startup', { streamName: 'udpcam', rtmpUrl: `udp://127.0.0.1:${port}` });
    expect(started.status).toBe(200);
    const exit = await receiver.exited;
    await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId });
    expect(exit.code).toBe(0);
    const streams = await probeStreams(file);
    expect(streams.video?.codec).toBe('h264');
    expect(streams.audio?.codec).toBe('aac');
  }, 60_000);

  test('RTMP-ingested ffmpeg → srt:// with a passphrase; a wrong one fails clearly; a restarted receiver gets the push back', async () => {
    const { gw } = setup;
    const rtmpPort = await getFreePort();
    const created = await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: rtmpPort });
    expect(created.status).toBe(200);
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live/srtcam`, { bFrames: 2, gop: 50 });
    try {
      await pathPublished(gw.gateway.directory, 'srtcam', publisher, 20_000);
      const port = await getFreePort();
      const passphrase = 'correct-horse-battery';

      // A wrong passphrase: the receiver refuses, the push says why and retries.
      const refusing = srtListener(port, path.join(dir, 'refused.ts'), `&passphrase=${passphrase}`);
      const wrong = await gw.api('/v1/vhosts/default/apps/app:startPush', { id: 'srt-wrong', stream: { name: 'srtcam' }, protocol: 'srt', url: `srt://127.0.0.1:${port}?passphrase=wrong-passphrase` });
      expect(wrong.status).toBe(200);
      const failed = await waitFor('the wrong passphrase to be reported', async () => {
        const [push] = (await gw.api('/v1/vhosts/default/apps/app:pushes', { id: 'srt-wrong' })).body.response;
        return push?.lastError ? push : undefined;
      }, 30_000);
      expect(failed.lastError).toMatch(/passphrase/i);
      expect(failed.url).toBe(`srt://127.0.0.1:${port}?passphrase=wrong-passphrase`);
      expect((await gw.api('/v1/vhosts/default/apps/app:stopPush', { id: 'srt-wrong' })).status).toBe(200);
      await stopGracefully(refusing.child);

      // The right one: 20 s of the stream, decoded by ffprobe.
      const file = path.join(dir, 'srt.ts');
      const listener = srtListener(port, file, `&passphrase=${passphrase}`);
      const start = await gw.api('/v1/vhosts/default/apps/app:startPush', { id: 'srt-ok', stream: { name: 'srtcam' }, protocol: 'srt', url: `srt://127.0.0.1:${port}?passphrase=${passphrase}&latency=200` });
      expect(start.status).toBe(200);
      const push = async () => (await gw.api('/v1/vhosts/default/apps/app:pushes', { id: 'srt-ok' })).body.response[0];
      await waitFor('the SRT push to start', async () => (await push())?.state === 'started', 30_000);
      expect((await listener.exited).code).toBe(0);
      expect(listener.stderrTail()).not.toMatch(/corrupt/i);
      const streams = await probeStreams(file);
      expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
      expect(streams.audio?.codec).toBe('aac');
      const frames = await probeFrames(file, { seconds: RECORD_SECONDS });
      expect(frames.video.length).toBeGreaterThan(RECORD_SECONDS * 25 * 0.9);
      expect(maxKeyframeGap(frames.video)).toBeLessThanOrEqual(2.1);

      // The receiver went away (its 20 s are over) and comes back: the push reconnects.
      const lost = await waitFor('the push to notice the receiver left', async () => {
        const current = await push();
        return current.sequence >= 1 ? current : undefined;
      }, 30_000);
      expect(lost.totalsentBytes).toBeGreaterThan(200_000); // 20 s of the test pattern (~250 kbit/s)
      const again = srtListener(port, path.join(dir, 'srt-again.ts'), `&passphrase=${passphrase}`);
      const back = await waitFor('the push to send again', async () => {
        const current = await push();
        return current.state === 'started' && current.sentBytes > 0 ? current : undefined;
      }, 30_000);
      expect(back.sequence).toBeGreaterThanOrEqual(1);
      expect(back.totalsentBytes).toBeGreaterThan(back.sentBytes);
      expect((await gw.api('/v1/vhosts/default/apps/app:stopPush', { id: 'srt-ok' })).status).toBe(200);
      await stopGracefully(again.child);
    } finally {
      await stopGracefully(publisher.child);
    }
  }, 180_000);
});
