import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { publishFrameNumbers, readFrameNumbers } from '../../support/frame-numbers';
import { startGatewayProcess, type GatewayProcess } from '../../support/gateway-process';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { HookBackend } from '../../support/hook-backend';
import { getFreePort } from '../../support/ports';
import { killAllChildren, runOrThrow, stopGracefully } from '../../support/processes';
import { TsReader } from '../../support/ts-reader';
import { udpReceiver } from '../../support/udp-receiver';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';
import { topLevelBoxes } from './support/mp4-inspect';
import { startIngest } from './support/rtmp-ingest';

/** How late pictures may reach the gateway after the publisher made them, ms. */
const INGEST_DELAY_MS = 300;
/** Size of the file system that fills up, bytes: a few seconds of the test pattern. */
const SMALL_DISK = 160 * 1024;

/**
 * What a recording does when things go wrong, with real parts: a tmpfs too small for it (the
 * gateway is root here, as for the network-namespace tests), and a gateway killed with SIGKILL.
 */
describe('recording failures', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recording-failures-'));
  });

  afterAll(async () => {
    await killAllChildren();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('disk full: the recording fails with the reason and a webhook, the part written plays, a push of the same stream goes on', async () => {
    const disk = path.join(dir, 'small');
    await mkdir(disk);
    await runOrThrow('mount', ['-t', 'tmpfs', '-o', `size=${SMALL_DISK}`, 'tmpfs', disk], { timeoutMs: 10_000 });
    const hooks = await HookBackend.start();
    let gw: TestGateway | undefined;
    const receiver = await udpReceiver();
    try {
      gw = await startTestGateway({ recordDir: disk, recordMinFreeMb: 0, recordWebhookUrl: `${hooks.baseUrl}/recorded` });
      const { publisher, publisherId } = await startIngest(gw, 'fullcam', (url) => publishTestPattern(url, { gop: 25 }));
      const push = await gw.api('/rest-api/push/startup', { streamName: 'fullcam', rtmpUrl: `udp://127.0.0.1:${receiver.port}` });
      expect(push.status).toBe(200);
      expect((await gw.api('/rest-api/recorder/startup', { mediaSessionId: publisherId })).status).toBe(200);
      const failed = await waitFor('the recording to fail', async () => {
        const [found] = (await gw!.api('/rest-api/recorder/find_all')).body;
        return found?.state === 'failed' ? found : undefined;
      }, 60_000, 250);
      expect(failed.lastError).toMatch(/ENOSPC/);
      const hook = await waitFor('the failure webhook', () => hooks.calls('recorded').find((r) => r.body.event === 'failed')?.body);
      expect(hook).toMatchObject({ streamName: 'fullcam', mediaSessionId: publisherId, lastError: failed.lastError });

      // The push goes on: more datagrams after the failure, no continuity error.
      const before = receiver.datagrams.length;
      await waitFor('the push to go on', () => receiver.datagrams.length > before + 200, 20_000);
      expect((await gw.api('/rest-api/push/find_all')).body[0]).toMatchObject({ state: 'publishing', retries: 0 });
      const reader = new TsReader();
      for (const chunk of receiver.chunks) reader.push(chunk);
      expect(reader.summary()).toMatchObject({ ccErrors: 0 });

      // What was written stays, kept as written (fragmented): it decodes.
      const [file] = await readdir(disk);
      expect(file).toMatch(/^fullcam-\d+-\d+\.mp4$/);
      const decoded = await runOrThrow('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path.join(disk, file!)], { timeoutMs: 30_000 });
      expect(Number(decoded.stdout.toString().trim())).toBeGreaterThanOrEqual(25);
      await stopGracefully(publisher.child);
    } finally {
      receiver.close();
      await gw?.close();
      await hooks.close();
      await runOrThrow('umount', [disk], { timeoutMs: 10_000 });
    }
  }, 120_000);

  test('kill -9 of the gateway: the file being written plays up to within 2 s of the kill', async () => {
    const recordDir = path.join(dir, 'killed');
    const gw: GatewayProcess = await startGatewayProcess(dir, { record_dir: recordDir }, 4096);
    try {
      const rtmpPort = await getFreePort();
      expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: rtmpPort })).status).toBe(200);
      const publisher = publishFrameNumbers(`rtmp://127.0.0.1:${rtmpPort}/live/killcam`, { gop: 100 });
      await waitFor('the stream to publish', async () => {
        const answer = await fetch(`${gw.httpUrl}/rest-api/recorder/startup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streamName: 'killcam' }) });
        return answer.status === 200;
      }, 20_000, 250);
      const startTime = await waitFor('5 s recorded', async () => {
        const [found] = await (await fetch(`${gw.httpUrl}/rest-api/recorder/find_all`)).json() as Array<{ currentFile: { duration: number; startTime: number } | null }>;
        return found?.currentFile && found.currentFile.duration >= 5000 ? found.currentFile.startTime : undefined;
      }, 30_000, 100);
      const killedAt = Date.now();
      gw.child.kill('SIGKILL');
      await gw.exited;
      await stopGracefully(publisher.child);
      const [file] = await readdir(recordDir);
      expect(file).toMatch(/^killcam-\d+-live\.recording\.mp4$/);
      const numbers = await readFrameNumbers(path.join(recordDir, file!));
      // The pictures reach the gateway ~0.1 s after they were made (RTMP buffering): allowed beside the 2 s.
      expect(numbers.length * 40).toBeGreaterThanOrEqual(killedAt - startTime - 2000 - INGEST_DELAY_MS);
      expect(numbers.slice(1).every((n, i) => n === numbers[i]! + 1)).toBe(true);

      // The next start finishes it: a regular MP4 with the same pictures, under the name without .recording.
      const restarted = await startGatewayProcess(dir, { record_dir: recordDir }, 4096);
      try {
        const finished = file!.replace('.recording.mp4', '.mp4');
        await waitFor('the interrupted recording finished', async () => (await readdir(recordDir)).join() === finished, 20_000);
        const finishedPath = path.join(recordDir, finished);
        expect(topLevelBoxes(await readFile(finishedPath)).slice(0, 3)).toEqual(['ftyp', 'moov', 'mdat']);
        expect(await readFrameNumbers(finishedPath)).toEqual(numbers);
      } finally {
        await restarted.stop();
      }
    } finally {
      await gw.stop();
    }
  }, 90_000);
});
