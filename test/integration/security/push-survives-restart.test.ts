import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';
import { GATEWAY_NODE_FLAGS } from '../../../server/node-flags';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'dist', 'server', 'main.js');

interface PushView {
  mediaSessionId: string;
  state: string;
  sourceStreamName: string;
}

/**
 * A push made over the REST API outlives the gateway: after a `kill -9` (no shutdown at all) and a
 * new start, it is back as a reserved push with the same id, and resumes by itself when its stream
 * is published again.
 */
describe('a push survives a crash of the gateway', () => {
  let dir: string;
  let nginx: NginxRtmp;
  let gateway: ChildProcess | undefined;
  let publisher: TrackedProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'push-restart-'));
    nginx = await NginxRtmp.start();
  });

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
    gateway?.kill('SIGKILL');
    await nginx?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function start(config: string): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, MAIN, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    gateway = child;
    return { child, output: () => output };
  }

  test('kill -9, start again, publish again: the push resumes on its own', async () => {
    const [wsPort, httpPort, rtmpPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const config = path.join(dir, 'gateway.properties');
    await writeFile(config, [`listen_address=127.0.0.1`, 'webrtc_udp_port=0', `ws.port=${wsPort}`, `http.port=${httpPort}`, `rtmp_servers_db=${path.join(dir, 'gateway.sqlite')}`, 'rtmp_push_retry_initial_delay=300'].join('\n'));
    const api = async (route: string, body: unknown): Promise<{ status: number; json: any }> => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/rest-api/push/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json().catch(() => null) };
    };

    const first = start(config);
    await waitFor('the gateway to listen', () => first.output().includes('REST API and demo page listening'));
    expect((await rtmpServersApi(`http://127.0.0.1:${httpPort}`, '/create', { server_name: 'ingest', server_port: rtmpPort })).status).toBe(200);
    publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live/cam`);
    const started = await waitFor('a push to start', async () => {
      const answer = await api('startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
      return answer.status === 200 ? (answer.json as PushView) : undefined;
    }, 20_000, 250);
    await nginx.waitForStream('live', 'rtmp_cam', 15_000);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await stopGracefully(publisher.child); // its server went away with the gateway

    const second = start(config);
    await waitFor('the gateway to listen again', () => second.output().includes('REST API and demo page listening'));
    const [restored] = (await api('find_all', {})).json as PushView[];
    expect(restored).toMatchObject({ mediaSessionId: started.mediaSessionId, sourceStreamName: 'cam', state: 'pending' });
    expect(second.output()).toContain('"msg":"pushes restored"');

    publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live/cam`);
    await waitFor('the push to publish again', async () => ((await api('find_all', {})).json as PushView[])[0]?.state === 'publishing', 30_000, 250);
    const stream = await nginx.waitForStream('live', 'rtmp_cam', 15_000);
    expect(stream.publishing).toBe(true);

    // A push terminated over the API is forgotten for good.
    expect((await api('terminate', { mediaSessionId: started.mediaSessionId })).status).toBe(200);
    second.child.kill('SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));
    const third = start(config);
    await waitFor('the gateway to listen a third time', () => third.output().includes('REST API and demo page listening'));
    expect((await api('find_all', {})).status).toBe(404);
  }, 120_000);
});
