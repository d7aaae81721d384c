import http from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RecordLinks } from '../../../server/records/record-links';
import { publishFrameNumbers, readFrameNumbers } from '../../support/frame-numbers';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { HookBackend } from '../../support/hook-backend';
import { probeStreams } from '../../support/media-probe';
import { killAllChildren, run, stopGracefully, type TrackedProcess } from '../../support/processes';
import { TsReader } from '../../support/ts-reader';
import { udpReceiver } from '../../support/udp-receiver';
import { waitFor } from '../../support/wait-for';
import { packetTimes, topLevelBoxes } from './support/mp4-inspect';
import { startIngest } from './support/rtmp-ingest';

const SECRET = 'recorder-test-secret';
/** Picture period of the test publisher, s. */
const FRAME_S = 0.04;

/**
 * The recorder API end to end with real parts: an ffmpeg publisher over RTMP whose pictures carry
 * their frame numbers, recorded through WCS's /recorder/* with rotation, while the same stream is
 * pushed over UDP; the files read back by ffprobe and ffmpeg, handed over through signed links.
 */
describe('recorder API', () => {
  let gw: TestGateway;
  let hooks: HookBackend;
  let dir: string;
  let publisher: TrackedProcess;
  let mediaSessionId: string;
  /** The rotation test's first file (3 s), as its webhook told it. */
  let rotated: { fileName: string; url: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recorder-'));
    hooks = await HookBackend.start();
    gw = await startTestGateway({ recordDir: dir, recordUrlSecret: SECRET, recordWebhookUrl: `${hooks.baseUrl}/recorded`, recordMax: 2 });
    ({ publisher, publisherId: mediaSessionId } = await startIngest(gw, 'reccam', (url) => publishFrameNumbers(url, { gop: 25 })));
  }, 60_000);

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
    await gw?.close();
    await hooks?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('refusals: unknown stream 404, bad rotation or template 400, nothing recorded 404', async () => {
    expect(await gw.api('/rest-api/recorder/find_all')).toMatchObject({ status: 404 });
    expect(await gw.api('/rest-api/recorder/startup', { mediaSessionId: 'no-such-stream' })).toMatchObject({ status: 404, body: { message: 'Stream not found' } });
    expect((await gw.api('/rest-api/recorder/startup', { mediaSessionId, config: { rotation: '20 parsecs' } })).status).toBe(400);
    const template = await gw.api('/rest-api/recorder/startup', { mediaSessionId, config: { fileTemplate: '{streamName}-{nope}' } });
    expect(template.status).toBe(400);
    expect(template.body.message).toMatch(/\{nope\}/);
    expect(await gw.api('/rest-api/recorder/terminate', { mediaSessionId })).toMatchObject({ status: 404 });
    expect((await gw.api('/rest-api/recorder/startup', {})).status).toBe(400);
  });

  test('rotation at 3 s: consecutive files with every frame once, audio joined; a UDP push of the same stream undisturbed', async () => {
    hooks.requests.length = 0;
    const receiver = await udpReceiver();
    let files: Array<{ fileName: string; size: number; duration: number; url: string; startTime: number; endTime: number; mediaSessionId: string; streamName: string }>;
    try {
      const push = await gw.api('/rest-api/push/startup', { streamName: 'reccam', rtmpUrl: `udp://127.0.0.1:${receiver.port}` });
      expect(push.status).toBe(200);
      const started = await gw.api('/rest-api/recorder/startup', { mediaSessionId, config: { rotation: '3s', fileTemplate: '{streamName}-{index}' } });
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ mediaSessionId, streamName: 'reccam', rotation: '3s', fileTemplate: '{streamName}-{index}' });
      expect((await gw.api('/rest-api/recorder/startup', { mediaSessionId })).status).toBe(409);
      const recording = await waitFor('11 s recorded', async () => {
        const [found] = (await gw.api('/rest-api/recorder/find', { mediaSessionId })).body;
        return found?.state === 'recording' && found.duration >= 11_000 ? found : undefined;
      }, 40_000, 250);
      expect(recording.fileName).toMatch(/^reccam-\d+\.recording\.mp4$/);
      const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^gateway_recordings\{state="publishing"\} 1$/m);
      expect(metrics).toMatch(new RegExp(`^gateway_recording_bytes\\{mediaSessionId="${mediaSessionId}",streamName="reccam"\\} [1-9]`, 'm'));
      // Pushes and recordings are listed apart.
      expect((await gw.api('/rest-api/push/find_all')).body).toHaveLength(1);
      expect(await gw.api('/rest-api/recorder/terminate', { mediaSessionId })).toMatchObject({ status: 200 });
      const pushed = (await gw.api('/rest-api/push/find_all')).body[0];
      expect(pushed).toMatchObject({ state: 'publishing', retries: 0 });
      expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: pushed.mediaSessionId })).status).toBe(200);
      // terminate answers once the last file is finished: the webhook then tells each of them.
      const names = await readdir(dir);
      files = await waitFor('every file announced', () => {
        const bodies = hooks.calls('recorded').map((r) => r.body);
        return bodies.length === names.length ? bodies : undefined;
      }, 20_000);
    } finally {
      receiver.close();
    }
    expect(await gw.api('/rest-api/recorder/find_all')).toMatchObject({ status: 404 });
    rotated = files[0]!;
    const reader = new TsReader();
    for (const chunk of receiver.chunks) reader.push(chunk);
    expect(reader.summary()).toMatchObject({ ccErrors: 0 });

    expect(files.map((f) => f.fileName)).toEqual(files.map((_, i) => `reccam-${i + 1}.mp4`));
    expect((await readdir(dir)).sort()).toEqual(files.map((f) => f.fileName).sort());
    const numbers: number[] = [];
    for (const [i, file] of files.entries()) {
      const filePath = path.join(dir, file.fileName);
      expect(file).toMatchObject({ event: 'file', streamName: 'reccam', mediaSessionId });
      const streams = await probeStreams(filePath);
      expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
      expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
      expect(topLevelBoxes(await readFile(filePath)).slice(0, 3)).toEqual(['ftyp', 'moov', 'mdat']);
      const frameNumbers = await readFrameNumbers(filePath);
      numbers.push(...frameNumbers);
      const times = await packetTimes(filePath);
      // Cut at the first keyframe (1 s GOP) at or past 3 s; the last file ends when the recording does.
      if (i < files.length - 1) expect(times.videoSeconds).toBeGreaterThanOrEqual(3 - FRAME_S / 2);
      expect(times.videoSeconds).toBeLessThan(4 + FRAME_S);
      expect(Math.abs(file.duration / 1000 - times.videoSeconds)).toBeLessThan(0.1);
      // Audio ends where the pictures do, give or take one AAC frame and one picture.
      if (i < files.length - 1) expect(Math.abs(times.audioEndSeconds - times.videoEndSeconds)).toBeLessThan(FRAME_S + 0.022);
      expect(times.videoStartSeconds).toBe(0);
      expect(Math.abs(times.audioStartSeconds)).toBeLessThan(FRAME_S);
    }
    // Every picture once, in order, across the joins.
    expect(numbers.length).toBeGreaterThanOrEqual(11 * 25);
    expect(gapsIn(numbers)).toEqual([]);
    // The push, running all along, lost nothing either: it carries every recorded picture and more.
    const pushedFile = path.join(os.tmpdir(), `recorder-push-${process.pid}.ts`);
    await writeFile(pushedFile, Buffer.concat(receiver.chunks));
    try {
      const pushed = await readFrameNumbers(pushedFile);
      expect(gapsIn(pushed)).toEqual([]);
      expect(pushed[0]).toBeLessThanOrEqual(numbers[0]!);
      expect(pushed.at(-1)).toBeGreaterThanOrEqual(numbers.at(-1)!);
    } finally {
      await rm(pushedFile, { force: true });
    }
  }, 120_000);

  test('signed links: the file with ranges before expiry; 403 expired, tampered or climbing out; 404 gone', async () => {
    const file = rotated;
    const bytes = await readFile(path.join(dir, file.fileName));
    const whole = await fetch(file.url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const ranged = await fetch(file.url, { headers: { range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);

    const url = new URL(file.url);
    const links = new RecordLinks({ secret: SECRET, expirySeconds: 60, baseUrl: `${url.protocol}//${url.host}` });
    expect((await fetch(links.url(file.fileName, Date.now() - 120_000))).status).toBe(403);
    const tampered = new URL(file.url);
    tampered.pathname = tampered.pathname.replace(/-1\.mp4$/, '-2.mp4');
    expect((await fetch(tampered)).status).toBe(403);
    // fetch() would resolve the dots itself: send the path as an attacker does.
    const climbing = await rawGet(url.host, `/records/%2E%2E/%2E%2E/etc/passwd${url.search}`);
    expect(climbing).toBe(403);
    expect(await rawGet(url.host, `/records/../../etc/passwd${url.search}`)).not.toBe(200);
    const gone = 'gone.mp4';
    expect((await fetch(links.url(gone))).status).toBe(404);
  });

  test('one stream recorded twice at once: 100ms beam layout beside the default; record_max refuses a third', async () => {
    hooks.requests.length = 0;
    const beam = await gw.api('/rest-api/recorder/startup', { streamName: 'reccam', id: 'beam-1', config: { layout: 'beam', roomId: 'room 7' } });
    expect(beam.status).toBe(200);
    const flat = await gw.api('/rest-api/recorder/startup', { mediaSessionId });
    expect(flat.status).toBe(200);
    expect(await gw.api('/rest-api/recorder/startup', { streamName: 'reccam', id: 'third' })).toMatchObject({ status: 429 });
    await waitFor('both recordings writing', async () => {
      const all = (await gw.api('/rest-api/recorder/find_all')).body;
      return all.length === 2 && all.every((r: { currentFile: { bytes: number } | null }) => (r.currentFile?.bytes ?? 0) > 0);
    }, 15_000);
    expect((await gw.api('/rest-api/recorder/terminate', { mediaSessionId: 'beam-1' })).status).toBe(200);
    expect((await gw.api('/rest-api/recorder/terminate', { mediaSessionId })).status).toBe(200);
    const files = await waitFor('both files announced', () => {
      const bodies = hooks.calls('recorded').map((r) => r.body);
      return bodies.length === 2 ? bodies : undefined;
    });
    const beamFile = files.find((f) => f.mediaSessionId === 'beam-1');
    const date = new Date(beamFile.startTime).toISOString().slice(0, 10).replaceAll('-', '');
    expect(beamFile.fileName).toBe(`beam/room_7/${date}/Rec-room_7-${Math.floor(beamFile.startTime / 1000)}.mp4`);
    expect((await probeStreams(path.join(dir, beamFile.fileName))).video?.codec).toBe('h264');
    const flatFile = files.find((f) => f.mediaSessionId === mediaSessionId);
    expect(flatFile.fileName).toBe(`reccam-${flatFile.startTime}-${flatFile.endTime}.mp4`);
  }, 60_000);

  test('the regular MP4 seeks', async () => {
    const file = rotated;
    const seek = await run('ffmpeg', ['-v', 'error', '-ss', '2', '-i', path.join(dir, file.fileName), '-frames:v', '1', '-f', 'null', '-'], { timeoutMs: 30_000 });
    expect(seek).toMatchObject({ code: 0, stderr: '' });
  });
});

/** Where consecutive frame numbers skip or repeat, as `a→b`. */
function gapsIn(numbers: readonly number[]): string[] {
  return numbers.slice(1).flatMap((n, i) => (n === numbers[i]! + 1 ? [] : [`${numbers[i]}→${n}`]));
}

/** A GET with the path sent exactly as given (no normalisation); resolves with the status. */
function rawGet(host: string, rawPath: string): Promise<number> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname, port: Number(port), path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}
