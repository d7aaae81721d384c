import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from '../../../server/hub/frame';
import type { Sink, SinkStats } from '../../../server/sinks/sink';
import type { SinkKind, SinkTarget } from '../../../server/sinks/sink-kinds';
import { TEST_LOG_FILE, startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { collectFrames, type CollectingReader } from '../../support/hub-readers';
import { probeFrames } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { killAllChildren, runOrThrow, spawnTracked, stopGracefully, type TrackedProcess } from '../../support/processes';
import { StallProxy } from '../../support/stall-proxy';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { streamPublished } from '../rtmp-server/support/ffmpeg-publisher';

const STREAM = 'iso';
const THROW_AT_FRAME = 100;

interface PushView {
  mediaSessionId: string;
  state: string;
  lastError: string | null;
  sentBytes: number;
  droppedFrames: number;
  queuedFrames: number;
}

/**
 * A sink for this test only: it takes frames and throws on the 100th one it is given, once in the
 * whole test (its retries then run normally).
 */
function throwingSinkKind(): SinkKind & { readonly thrown: () => boolean } {
  let given = 0;
  let thrown = false;
  return {
    schemes: ['throwing'],
    thrown: () => thrown,
    resolve: (request): SinkTarget => ({ url: request.url, host: 'sink', streamName: 'throwing', safeUrl: request.url, safeStreamName: 'throwing' }),
    create: (): Sink => {
      const stats: SinkStats = { bytesSent: 0, pendingBytes: 0, framesSent: 0 };
      return {
        stats,
        run: (input, signal) => new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => resolve(), { once: true });
          input.start({
            frames: (frames) => {
              given += frames.length;
              if (!thrown && given >= THROW_AT_FRAME) {
                thrown = true;
                throw new Error(`test sink gives up at frame ${THROW_AT_FRAME}`);
              }
            },
            tracks: () => undefined,
          });
        }),
      };
    },
  };
}

/**
 * The media core's promise, end to end: one RTMP-published stream (a real ffmpeg at ~8 Mbit/s)
 * pushed to three targets and a fourth, test-only sink. One target is wedged (a proxy that stops
 * reading) and the test sink throws on its 100th frame. The two healthy pushes lose no frame (what
 * nginx recorded is every frame the hub got, without a hole), the publisher stays connected, and
 * the thrown error is logged once with the stream's name.
 */
describe('a wedged target and a failing reader do not disturb the other pushes', () => {
  let dir: string;
  let nginx: NginxRtmp;
  let gw: TestGateway;
  let publisher: TrackedProcess;
  let proxy: StallProxy;
  let hub: CollectingReader;
  const testSink = throwingSinkKind();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reader-isolation-'));
    const clip = path.join(dir, 'noise.flv');
    // Noise does not compress: ~8 Mbit/s fills the wedged socket's kernel buffers within seconds.
    await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=640x360:r=25,geq=random(1)*255:128:128', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-bf', '0', '-b:v', '8M', '-maxrate', '8M', '-bufsize', '8M',
      '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', clip], { timeoutMs: 60_000 });
    nginx = await NginxRtmp.start({
      applications: [
        { name: 'rec', directives: ['record all;', `record_path ${dir};`, 'record_unique on;'] },
        { name: 'wedge' },
      ],
    });
    // 4 MiB per push, four seconds of this stream: the healthy pushes ride out nginx pausing to write
    // its two recordings on a loaded box (512 KiB once made one drop 69 frames there). The wedged one
    // fills it about 4 s after its socket's buffers, so it is declared wedged after 6 s, not 3.
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite'), rtmpPushWedgeTimeoutMs: 6000, rtmpPushMaxBufferBytes: 4 * 1024 * 1024 }, { sinkKinds: [testSink] });
    const port = await getFreePort();
    expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: port })).status).toBe(200);
    publisher = spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${STREAM}`]);
    const stream = await streamPublished(gw.gateway.paths, STREAM, publisher, 20_000);
    hub = collectFrames(stream);
    proxy = await StallProxy.start(nginx.rtmpPort);
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
    await gw?.close();
    await nginx?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function push(id: string): Promise<PushView> {
    const found = (await gw.api('/rest-api/push/find_all')).body as PushView[];
    const view = found.find((p) => p.mediaSessionId === id);
    if (!view) throw new Error(`no push ${id}`);
    return view;
  }

  async function start(rtmpUrl: string): Promise<string> {
    const started = await gw.api('/rest-api/push/startup', { streamName: STREAM, rtmpUrl, rtmpTransponderFullUrl: true });
    expect(started.status).toBe(200);
    return started.body.mediaSessionId as string;
  }

  test('the healthy pushes keep every frame, the publisher stays, the failure is logged once', async () => {
    const since = Date.now();
    const stream = gw.gateway.paths.stream(STREAM)!;
    const healthy = [await start(nginx.rtmpUrl('rec', 'a')), await start(nginx.rtmpUrl('rec', 'b'))];
    const wedged = await start(`rtmp://127.0.0.1:${proxy.port}/wedge/w`);
    const failing = await start('throwing://sink');
    await waitFor('every push publishing, with media sent to the wedged one', async () => {
      const views = await Promise.all([...healthy, wedged, failing].map(push));
      return views.every((v) => v.state === 'publishing') && views[2]!.sentBytes > 1024 * 1024;
    }, 20_000);
    proxy.stall();

    // The wedged push loses whole GOPs in its own queue, then is declared wedged.
    const stuck = await waitFor('the wedged push to drop frames and give up on its connection', async () => {
      const view = await push(wedged);
      return view.droppedFrames > 0 && view.lastError?.startsWith('WEDGED') ? view : undefined;
    }, 30_000, 200);
    expect(stuck.lastError).toMatch(/^WEDGED: the target took no data for 6 s/);
    expect(testSink.thrown()).toBe(true);

    for (const id of healthy) {
      expect(await push(id)).toMatchObject({ state: 'publishing', droppedFrames: 0, lastError: null });
      expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: id })).status).toBe(200);
    }
    // The publisher never noticed.
    expect(publisher.child.exitCode).toBeNull();
    expect(gw.gateway.paths.stream(STREAM)).toBe(stream);
    expect(stream.closed).toBe(false);

    const recordings = (await readdir(dir)).filter((f) => f.endsWith('.flv') && f !== 'noise.flv').sort();
    expect(recordings.map((f) => f.split('-')[0])).toEqual(['a', 'b']);
    for (const file of recordings) {
      const recorded = await probeFrames(path.join(dir, file), { seconds: 600, timeoutMs: 30_000 });
      expect(recorded.video.length).toBeGreaterThan(100);
      expectEveryFrame(hub.frames, recorded.video.map((f) => f.pts), recorded.audio.map((f) => f.pts));
    }

    const failures = (await readFile(TEST_LOG_FILE, 'utf8')).split('\n')
      .filter((line) => line.includes('"test":"reader-isolation.test.ts"') && line.includes('reader failed'))
      .map((line) => JSON.parse(line) as { time: number })
      .filter((line) => line.time >= since);
    expect(failures).toEqual([expect.objectContaining({ level: 50, streamName: STREAM, reader: 'push', err: expect.objectContaining({ message: `test sink gives up at frame ${THROW_AT_FRAME}` }) })]);
  }, 120_000);
});

/**
 * The recording holds every frame the hub got over the span it covers, video and audio, with no
 * hole: its times (s, from 0 at its first keyframe) are the hub's (ms, on the stream clock) minus
 * the time of that keyframe.
 */
function expectEveryFrame(hubFrames: readonly Frame[], videoSeconds: readonly number[], audioSeconds: readonly number[]): void {
  const toMs = (seconds: readonly number[]): number[] => seconds.map((s) => Math.round(s * 1000));
  const recordedVideo = toMs(videoSeconds);
  const recordedAudio = toMs(audioSeconds);
  const hubVideo = hubFrames.filter((f) => f.track.kind === 'video').map((f) => f.dts);
  const hubAudio = hubFrames.filter((f) => f.track.kind === 'audio').map((f) => f.dts);
  // The recording starts at 0 on one of the hub's keyframes: find which.
  const origin = hubFrames.find((f) => f.track.kind === 'video' && f.keyframe && matchesFrom(hubVideo, hubVideo.indexOf(f.dts), recordedVideo, f.dts));
  expect(origin).toBeDefined();
  const start = origin!.dts;
  const end = Math.min(recordedVideo.at(-1)!, recordedAudio.at(-1)!) + start;
  const within = (list: number[]): number[] => list.filter((ms) => ms >= start && ms <= end).map((ms) => ms - start);
  expect(recordedVideo.filter((ms) => ms + start <= end)).toEqual(within(hubVideo));
  expect(recordedAudio.filter((ms) => ms + start <= end)).toEqual(within(hubAudio));
}

function matchesFrom(hub: readonly number[], index: number, recorded: readonly number[], origin: number): boolean {
  return recorded.every((ms, i) => hub[index + i] !== undefined && hub[index + i]! - origin === ms);
}
