import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StreamView } from '../../../server/rest/stream-view';
import type { TransponderView } from '../../../server/rest/transponder-view';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { killAllChildren, type TrackedProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';

/**
 * workers=2 end to end: two ffmpeg publishers on one RTMP server land on the two media workers
 * (the main process and one child), each is pushed to nginx-rtmp from its own worker, a player of
 * the child's stream is handed to the child, and a SIGKILLed child ends only its own stream and
 * comes back.
 */
describe('media workers (workers=2)', () => {
  let dir: string;
  let gw: TestGateway;
  let nginx: NginxRtmp;
  let port: number;
  let serverId: string;
  const publishers: TrackedProcess[] = [];

  /** /stream/find_all (404, an empty list, when nothing is published). */
  const findAll = async (): Promise<StreamView[]> => {
    const answer = await gw.api('/rest-api/stream/find_all', {});
    return answer.status === 200 ? (answer.body as StreamView[]) : [];
  };
  const pushes = async (): Promise<TransponderView[]> => {
    const answer = await gw.api('/rest-api/push/find_all', {});
    return answer.status === 200 ? (answer.body as TransponderView[]) : [];
  };
  const nodeOf = (name: string): number | undefined => gw.gateway.workers!.placement.nodeOf(name);
  const publish = (name: string): TrackedProcess => {
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/${name}`);
    publishers.push(publisher);
    return publisher;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'media-workers-'));
    nginx = await NginxRtmp.start();
    gw = await startTestGateway({ workers: 2, codecWorkers: 2, rtmpServersDbFile: path.join(dir, 'gateway.sqlite') });
    port = await getFreePort();
    const created = await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: port });
    expect(created.status).toBe(200);
    serverId = created.body.id as string;
  });

  afterAll(async () => {
    await killAllChildren();
    await gw?.close();
    await nginx?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('two publishers land on both workers, and the directory lists both', async () => {
    publish('one');
    await waitFor('stream one', async () => (await findAll()).some((p) => p.name === 'one'), 20_000);
    publish('two');
    await waitFor('stream two', async () => (await findAll()).some((p) => p.name === 'two'), 20_000);
    expect(new Set([nodeOf('one'), nodeOf('two')])).toEqual(new Set([0, 1]));
    // The main process carries exactly its own one.
    const local = ['one', 'two'].filter((name) => gw.gateway.paths.stream(name) !== undefined);
    expect(local).toHaveLength(1);
    // The picture size is known from the first keyframe on.
    const child = await waitFor('the child stream with its size', async () => (await findAll()).find((p) => nodeOf(p.name) === 1 && p.width > 0), 10_000);
    expect(child).toMatchObject({ mediaProvider: 'Flash', videoCodec: 'H264', audioCodec: 'AAC', width: 320, height: 240 });
  });

  test('pushes from both workers reach nginx-rtmp with H.264 and AAC', async () => {
    for (const name of ['one', 'two']) {
      const started = await gw.api('/rest-api/push/startup', { streamName: name, rtmpUrl: nginx.rtmpUrl('live') });
      expect(started.status).toBe(200);
    }
    for (const name of ['one', 'two']) {
      await nginx.waitForStream('live', `rtmp_${name}`, 20_000);
      const streams = await probeStreams(nginx.rtmpUrl('live', `rtmp_${name}`), { timeoutMs: 20_000 });
      expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
      expect(streams.audio).toMatchObject({ codec: 'aac' });
    }
    const listed = await pushes();
    expect(listed.map((p) => [p.sourceStreamName, p.state]).sort()).toEqual([['one', 'publishing'], ['two', 'publishing']]);
  });

  test("a player of the child's stream is handed over to the child and gets H.264 and AAC", async () => {
    const onChild = nodeOf('one') === 1 ? 'one' : 'two';
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/${onChild}`, { timeoutMs: 20_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(streams.audio).toMatchObject({ codec: 'aac' });
  });

  test('/metrics adds up both workers', async () => {
    const text = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^gateway_pushes\{state="publishing"\} 2$/m);
  });

  test('a child killed with SIGKILL ends its own stream only, and is restarted for the next publisher', async () => {
    const onChild = nodeOf('one') === 1 ? 'one' : 'two';
    const onMain = onChild === 'one' ? 'two' : 'one';
    const mainPush = (await pushes()).find((p) => p.sourceStreamName === onMain)!;
    const ended = new Promise<string>((resolve) => gw.gateway.directory.on('path-unpublished', (name, reason) => name === onChild && resolve(reason.info)));
    const worker = gw.gateway.workers!.worker(1)!;
    const killedPid = worker.pid;
    worker.kill('SIGKILL');
    expect(await ended).toBe('Media worker 1 was lost');
    expect((await findAll()).map((p) => p.name)).toEqual([onMain]);
    // The main process's push went on sending.
    await waitFor('the main push to keep sending', async () => {
      const now = (await pushes()).find((p) => p.mediaSessionId === mainPush.mediaSessionId);
      return now !== undefined && now.state === 'publishing' && now.sentBytes > mainPush.sentBytes;
    }, 10_000);
    await waitFor('the child to be back', () => gw.gateway.workers!.worker(1), 20_000);
    expect(gw.gateway.workers!.worker(1)!.pid).not.toBe(killedPid);
    // The killed publisher's connection is gone; a new publisher lands on the restarted child.
    publish('three');
    await waitFor('stream three', async () => (await findAll()).some((p) => p.name === 'three'), 20_000);
    expect(nodeOf('three')).toBe(1);
  });

  test("stopping the RTMP server over REST ends the child's connections too, after a child was lost", async () => {
    const three = publishers.at(-1)!;
    expect((await rtmpServersApi(gw.httpUrl, '/stop', { id: serverId })).status).toBe(200);
    // ffmpeg exits when its server drops it; the stream leaves the child.
    await three.exited;
    await waitFor('stream three to end', async () => !(await findAll()).some((p) => p.name === 'three'), 10_000);
  });
});
