import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BEAM_ERRORS } from '../../../server/beam/beam-request';
import { dominantFrequency, recordPcm } from '../../support/audio-analysis';
import { flashBeepOffsets } from '../../support/av-sync';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { HookBackend } from '../../support/hook-backend';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { run } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { MeetingPage } from '../../../bench/meeting-page';

/** How long a beam records in the end-to-end test, s. */
const BEAM_SECONDS = 10;

/** Pids of processes whose command line mentions `text` (the beam's private directory). */
async function processesMentioning(text: string): Promise<string[]> {
  const { stdout } = await run('pgrep', ['-f', text], { timeoutMs: 5000 });
  return stdout.toString().trim().split('\n').filter((line) => line !== '');
}

/**
 * 100ms's beam API with real parts: Debian's Chromium on its own Xvfb display and PulseAudio sink
 * shows a meeting page served by the test (a flash and a 440 Hz beep each second); the page is
 * captured and published to the gateway, pushed to two nginx-rtmp applications and recorded.
 */
describe('beam (page capture)', () => {
  let dir: string;
  let hooks: HookBackend;
  let nginx: NginxRtmp;
  let meeting: MeetingPage;
  let gw: TestGateway;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'beam-'));
    hooks = await HookBackend.start();
    nginx = await NginxRtmp.start({ applications: [{ name: 'one' }, { name: 'two' }] });
    meeting = await MeetingPage.start();
    gw = await startTestGateway({ recordDir: dir, beamWebhookUrl: `${hooks.baseUrl}/beam`, recordWebhookUrl: `${hooks.baseUrl}/recorded`, beamStartAttempts: 2, beamMax: 2, beamJoinFailurePattern: 'join failed' });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await meeting?.close();
    await nginx?.stop();
    await hooks?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const beam = (body: unknown) => gw.api('/api/v2/beam', body);

  test('every refusal with 100ms\'s code, message and a fitting status', async () => {
    const cases: Array<[body: unknown, code: keyof typeof BEAM_ERRORS, status: number]> = [
      [{ room_id: 'r1' }, 9, 400],
      [{ operation: 'pause', room_id: 'r1' }, 8, 400],
      [{ operation: 'start', meeting_url: meeting.url, record: true }, 3, 400],
      [{ operation: 'start', room_id: '../etc', meeting_url: meeting.url, record: true }, 4, 400],
      [{ operation: 'start', room_id: 'r1', meeting_url: meeting.url }, 5, 400],
      [{ operation: 'start', room_id: 'r1', meeting_url: meeting.url, rtmp_urls: ['http://x/y'] }, 5, 400],
      [{ operation: 'start', room_id: 'r1', rtmp_urls: [nginx.rtmpUrl('one')] }, 6, 400],
      [{ operation: 'start', room_id: 'r1', meeting_url: 'javascript:alert(1)', record: true }, 7, 400],
      [{ operation: 'stop', room_id: 'nobody' }, 10, 404],
      [{ operation: 'start', room_id: 'r1', meeting_url: meeting.url, record: true, resolution: { width: 1920, height: 1920 } }, 11, 400],
      [{ operation: 'start', room_id: 'r1', meeting_url: meeting.url, record: true, resolution: { width: 400, height: 720 } }, 11, 400],
    ];
    for (const [body, code, status] of cases) {
      expect({ body, answer: await beam(body) }).toEqual({ body, answer: { status, body: { code, message: BEAM_ERRORS[code] } } });
    }
  });

  test('a meeting URL that answers 500: bounded retries, then failed with the reason, in the webhook; a second start while it tries is refused (code 1)', async () => {
    hooks.requests.length = 0;
    const started = await beam({ operation: 'start', room_id: 'broken', meeting_url: meeting.brokenUrl, record: true });
    expect(started.status).toBe(200);
    expect(await beam({ operation: 'start', room_id: 'broken', meeting_url: meeting.brokenUrl, record: true })).toEqual({ status: 409, body: { code: 1, message: BEAM_ERRORS[1] } });
    const failed = await waitFor('the beam to fail', () => hooks.calls('beam').map((r) => r.body).find((b) => b.room_id === 'broken' && b.state === 'failed'), 30_000);
    expect(failed).toMatchObject({ event: 'beam', attempts: 2, error: 'the meeting page answered HTTP 500' });
    expect((await gw.api('/api/v2/beam')).body.find((b: { room_id: string }) => b.room_id === 'broken')).toMatchObject({ state: 'failed' });
    expect(await beam({ operation: 'stop', room_id: 'broken' })).toMatchObject({ status: 404, body: { code: 10 } });
  }, 60_000);

  test('a page that logs a failed join (beam_join_failure_pattern): launched again, then failed with what the page said', async () => {
    hooks.requests.length = 0;
    expect((await beam({ operation: 'start', room_id: 'locked', meeting_url: meeting.joinFailsUrl, record: true })).status).toBe(200);
    const failed = await waitFor('the beam to fail', () => hooks.calls('beam').map((r) => r.body).find((b) => b.room_id === 'locked' && b.state === 'failed'), 60_000);
    expect(failed.attempts).toBe(2);
    expect(failed.error).toMatch(/join failure.*HMS join failed: room is locked/);
    expect(await processesMentioning('beam-locked-')).toEqual([]);
  }, 90_000);

  test('beam_max: a third beam while two start is refused with code 2; stop ends a beam still starting', async () => {
    for (const room of ['wait1', 'wait2']) expect((await beam({ operation: 'start', room_id: room, meeting_url: meeting.hangingUrl, record: true })).status).toBe(200);
    expect(await beam({ operation: 'start', room_id: 'wait3', meeting_url: meeting.url, record: true })).toEqual({ status: 500, body: { code: 2, message: BEAM_ERRORS[2] } });
    for (const room of ['wait1', 'wait2']) expect(await beam({ operation: 'stop', room_id: room })).toMatchObject({ status: 200, body: { state: 'stopped' } });
  }, 30_000);

  test('kill -9 of the beam\'s Chromium: the beam launches again, and nothing of the killed launch is left', async () => {
    try {
      expect((await beam({ operation: 'start', room_id: 'crash', meeting_url: meeting.url, record: true })).status).toBe(200);
      const view = async () => (await gw.api('/api/v2/beam')).body.find((b: { room_id: string }) => b.room_id === 'crash');
      // Running, and its recording has a file (so the launch killed below leaves one behind).
      await waitFor('the beam to record', async () => {
        const now = await view();
        return now?.state === 'running' && now.recording?.file_name !== null;
      }, 60_000, 250);
      // The browser process: the one whose parent is not a Chromium (its zygote and helpers are its children).
      const { stdout } = await run('pgrep', ['-f', '-o', 'chromium.*beam-crash-'], { timeoutMs: 5000 });
      const browserPid = Number(stdout.toString().trim());
      const cmdline = (await readFile(`/proc/${browserPid}/cmdline`, 'utf8')).split('\0');
      const firstLaunchDir = cmdline.find((arg) => arg.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length).replace(/\/chrome$/, '');
      process.kill(browserPid, 'SIGKILL');
      await waitFor('the beam to run again', async () => {
        const now = await view();
        return now?.state === 'running' && now.attempts === 2;
      }, 60_000, 250);
      expect(await processesMentioning(firstLaunchDir)).toEqual([]);
      // The recording went on: the file of the first launch finished, a new one is being written.
      const recording = await waitFor('the recording to go on', async () => {
        const now = (await view())?.recording;
        return now?.state === 'publishing' && now.files.length >= 1 ? now : undefined;
      }, 30_000, 250);
      expect(recording.files[0].fileName).toMatch(/^beam\/crash\/\d{8}\/Rec-crash-\d+\.mp4$/);
      expect((await beam({ operation: 'stop', room_id: 'crash' })).status).toBe(200);
      expect(await processesMentioning('beam-crash-')).toEqual([]);
    } finally {
      // A failure above must not leave the beam holding one of beam_max's places for the next tests.
      await beam({ operation: 'stop', room_id: 'crash' });
    }
  }, 120_000);

  test('portrait 540×960, record only: the file has the requested size', async () => {
    hooks.requests.length = 0;
    expect((await beam({ operation: 'start', room_id: 'tall', meeting_url: meeting.url, record: true, resolution: { width: 540, height: 960 } })).status).toBe(200);
    await waitFor('the beam to record', async () => {
      const view = (await gw.api('/api/v2/beam')).body.find((b: { room_id: string }) => b.room_id === 'tall');
      return view?.state === 'running' && view.recording?.state === 'publishing';
    }, 60_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stopped = await beam({ operation: 'stop', room_id: 'tall' });
    expect(stopped.status).toBe(200);
    const file = await waitFor('the recording', () => hooks.calls('recorded').map((r) => r.body).find((b) => b.event === 'file'), 20_000);
    expect((await probeStreams(path.join(dir, file.fileName))).video).toMatchObject({ codec: 'h264', width: 540, height: 960 });
    // The ended beam still names its recording: in the stop's answer, in GET and in the 'stopped' webhook.
    const named = { state: 'stopped', file_name: file.fileName, files: [expect.objectContaining({ fileName: file.fileName, finalized: true })] };
    expect(stopped.body.recording).toMatchObject(named);
    expect((await gw.api('/api/v2/beam')).body.find((b: { room_id: string }) => b.room_id === 'tall').recording).toMatchObject(named);
    const stoppedHook = await waitFor('the stopped webhook', () => hooks.calls('beam').map((r) => r.body).find((b) => b.room_id === 'tall' && b.state === 'stopped'), 10_000);
    expect(stoppedHook.recording).toMatchObject(named);
  }, 90_000);

  test('start with two rtmp_urls and record: both pushes and the file carry the page (size, 440 Hz, flash and beep together); stop leaves no process', async () => {
    hooks.requests.length = 0;
    const started = await beam({ operation: 'start', room_id: 'room1', meeting_url: meeting.url, rtmp_urls: [nginx.rtmpUrl('one', 'beam1'), nginx.rtmpUrl('two', 'beam1')], record: true, resolution: { width: 640, height: 480 } });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ room_id: 'room1', stream_name: 'beam_room1', resolution: { width: 640, height: 480 } });
    const running = await waitFor('the beam to run', async () => {
      const view = (await gw.api('/api/v2/beam')).body.find((b: { room_id: string }) => b.room_id === 'room1');
      return view?.state === 'running' && view.rtmp.every((r: { state: string }) => r.state === 'publishing') ? view : undefined;
    }, 60_000, 250);
    expect(running.recording).toMatchObject({ state: 'publishing' });
    for (const app of ['one', 'two']) {
      const streams = await probeStreams(nginx.rtmpUrl(app, 'beam1'));
      expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
      expect(streams.audio?.codec).toBe('aac');
    }
    const pcm = await recordPcm(nginx.rtmpUrl('one', 'beam1'), { seconds: 3 });
    expect(Math.abs(dominantFrequency(pcm, 48_000) - 440)).toBeLessThan(5);
    const runtimePattern = 'beam-room1-';
    expect((await processesMentioning(runtimePattern)).length).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, BEAM_SECONDS * 1000));
    const stopped = await beam({ operation: 'stop', room_id: 'room1' });
    expect(stopped).toMatchObject({ status: 200, body: { state: 'stopped' } });
    expect(await processesMentioning(runtimePattern)).toEqual([]);

    const file = await waitFor('the recording', () => hooks.calls('recorded').map((r) => r.body).find((b) => b.event === 'file'), 20_000);
    const date = new Date(file.startTime).toISOString().slice(0, 10).replaceAll('-', '');
    expect(file.fileName).toBe(`beam/room1/${date}/Rec-room1-${Math.floor(file.startTime / 1000)}.mp4`);
    const filePath = path.join(dir, file.fileName);
    expect((await stat(filePath)).size).toBeGreaterThan(0);
    const streams = await probeStreams(filePath);
    expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect(streams.audio?.codec).toBe('aac');
    const offsets = await flashBeepOffsets(filePath, BEAM_SECONDS - 1);
    expect(offsets.length).toBeGreaterThanOrEqual(BEAM_SECONDS - 4);
    const sorted = [...offsets].sort((a, b) => a - b);
    expect(Math.abs(sorted[Math.floor(sorted.length / 2)]!)).toBeLessThan(150);
    expect(hooks.calls('beam').map((r) => r.body.state)).toEqual(expect.arrayContaining(['starting', 'running', 'stopping', 'stopped']));
  }, 120_000);
});
