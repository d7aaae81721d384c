import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { publishFrameNumbers } from '../../support/frame-numbers';
import { startGatewayProcess } from '../../support/gateway-process';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'dist', 'server', 'main.js');
/** `HH:MM:SS.mmm LEVEL ` at the start of a pretty line. */
const PRETTY_START = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /;
const ESC = '\x1b';

type Entry = Record<string, unknown>;

/** POSTs JSON to the gateway's REST API. */
async function post(httpUrl: string, route: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${httpUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/**
 * What an operator reads from the real process (dist/server/main.js): JSON lines on a pipe, a
 * summary line when a recording and a publish end, a polled refusal logged once; readable lines
 * with log_format=pretty, and by default on a terminal.
 */
describe("the gateway process's logs", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'process-logs-'));
  });

  afterAll(async () => {
    await killAllChildren();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("on a pipe every line is JSON; 'recording ended' and 'publish ended' sum up what was recorded and received; 5 refusals make one line", async () => {
    const gw = await startGatewayProcess(dir, { record_dir: path.join(dir, 'records'), rtmp_servers_db: path.join(dir, 'json.sqlite') }, 4096);
    try {
      const entries = (): Entry[] => gw.output().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Entry);

      const rtmpPort = await getFreePort();
      expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: rtmpPort })).status).toBe(200);
      const publisher = publishFrameNumbers(`rtmp://127.0.0.1:${rtmpPort}/live/logcam`, { gop: 25 });
      const recording = await waitFor('the recording to start', async () => {
        const answer = await post(gw.httpUrl, '/rest-api/recorder/startup', { streamName: 'logcam' });
        return answer.status === 200 ? (answer.body as { mediaSessionId: string }) : undefined;
      }, 20_000, 250);
      await waitFor('2 s recorded', async () => {
        const [found] = await (await fetch(`${gw.httpUrl}/rest-api/recorder/find_all`)).json() as Array<{ currentFile: { duration: number } | null }>;
        return (found?.currentFile?.duration ?? 0) >= 2000;
      }, 20_000, 100);
      await stopGracefully(publisher.child);

      const [recordingsEnded, publishesEnded] = await waitFor('the summary lines', () => {
        const all = entries();
        const ended = [all.filter((e) => e.msg === 'recording ended'), all.filter((e) => e.msg === 'publish ended')];
        return ended.every((lines) => lines.length > 0) ? ended : undefined;
      }, 20_000);
      expect(recordingsEnded).toHaveLength(1);
      const recorded = recordingsEnded![0]!;
      expect(recorded).toMatchObject({ level: 30, streamName: 'logcam', mediaSessionId: recording.mediaSessionId, files: 1, fileNames: [expect.stringMatching(/^logcam-\d+-\d+\.mp4$/)] });
      expect(recorded.durationMs).toBeGreaterThanOrEqual(2000);
      expect(recorded.bytes).toBeGreaterThan(0);
      expect(recorded.averageKbps).toBeGreaterThan(0);
      expect(recorded).not.toHaveProperty('lastError');

      expect(publishesEnded).toHaveLength(1);
      const published = publishesEnded![0]!;
      expect(published).toMatchObject({ level: 30, streamName: 'logcam', sourceKind: 'rtmp', mediaSessionId: expect.any(String), reason: expect.any(String) });
      expect(published.durationMs).toBeGreaterThan(2000);
      expect(published.bytes).toBeGreaterThan(recorded.bytes as number / 2);
      expect(published.averageKbps).toBeGreaterThan(0);
      // 25 pictures a second, and AAC at 48 kHz (47 frames a second), for more than 2 s.
      expect(published.videoFrames).toBeGreaterThan(50);
      expect(published.audioFrames).toBeGreaterThan(90);

      // A page polling a route it gets 404 from: one line, not one per poll.
      for (let i = 0; i < 5; i++) expect((await fetch(`${gw.httpUrl}/rest-api/logs-test/polled`)).status).toBe(404);
      expect((await fetch(`${gw.httpUrl}/rest-api/logs-test/once`)).status).toBe(404);
      await waitFor('the last refusal logged', () => entries().some((e) => e.path === '/rest-api/logs-test/once'));
      const refused = entries().filter((e) => e.path === '/rest-api/logs-test/polled');
      expect(refused).toEqual([{ level: 30, time: expect.any(String), service: 'gateway', path: '/rest-api/logs-test/polled', status: 404, code: 'NOT_FOUND', reason: 'No such endpoint: GET /rest-api/logs-test/polled', client: '127.0.0.1', msg: 'request refused' }]);
    } finally {
      await gw.stop();
    }
  }, 90_000);

  test('log_format=pretty on a pipe: readable lines with level names, fields as key=value, no colour', async () => {
    const gw = await startGatewayProcess(dir, { log_format: 'pretty', rtmp_servers_db: path.join(dir, 'pretty.sqlite') }, 4096);
    await gw.stop();
    const lines = gw.output().split('\n').filter((line) => line !== '');
    expect(lines.filter((line) => !PRETTY_START.test(line))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO  REST API and demo page listening url=http:\/\/127\.0\.0\.1:\d+$/));
    expect(lines.at(-1)).toMatch(/ INFO  stopped$/);
    expect(gw.output()).not.toContain(ESC);
    // Started with the gateway's V8 flags (as serve.sh does): nothing to say about them.
    expect(lines.filter((line) => line.includes('V8 flags'))).toEqual([]);
  }, 60_000);

  test('by default on a terminal (a pty from script): pretty and coloured', async () => {
    const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
    const config = path.join(dir, 'tty.properties');
    await writeFile(config, `listen_address=127.0.0.1\nwebrtc_udp_port=0\nws.port=${wsPort}\nhttp.port=${httpPort}\nrtmp_servers_db=${path.join(dir, 'tty.sqlite')}\n`);
    // The shell under script tells the gateway's pid, so that it is stopped (SIGTERM) as a service manager would.
    const command = `'${process.execPath}' '${MAIN}' --config '${config}' & echo gateway-pid=$!; wait $!`;
    const script = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    script.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    script.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the gateway to listen', () => output.includes('REST API and demo page listening') || script.exitCode !== null, 15_000);
      const pid = Number(/gateway-pid=(\d+)/.exec(output)?.[1]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (script.exitCode === null) script.kill('SIGKILL');
    }
    const lines = output.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith('gateway-pid='));
    expect(lines).toContainEqual(`${lines.find((line) => line.includes('REST API and demo page listening'))!.slice(0, 13)}${ESC}[32mINFO ${ESC}[0m REST API and demo page listening ${ESC}[2murl=${ESC}[0mhttp://127.0.0.1:${httpPort}`);
    const plain = lines.map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(plain.filter((line) => !PRETTY_START.test(line))).toEqual([]);
    expect(plain.at(-1)).toMatch(/ INFO  stopped$/);
    // Started as plain `node main.js`, without the gateway's V8 flags: it says which are missing.
    expect(plain).toContainEqual(expect.stringMatching(/ INFO  node was started without the gateway's V8 flags .*missingFlags=.*--no-incremental-marking-task/));
  }, 60_000);
});
