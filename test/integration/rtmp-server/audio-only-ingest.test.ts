import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { killAllChildren, spawnTracked, stopGracefully, type TrackedProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from './support/api-client';
import { streamPublished } from './support/ffmpeg-publisher';

/**
 * An audio-only RTMP publisher that sends no onMetaData (ffmpeg -flvflags no_metadata, some
 * hardware encoders and radio tools) never says it has no video: the gateway must find out by
 * itself, or pushes and players would wait forever for a keyframe.
 */
describe('audio-only RTMP publisher without onMetaData', () => {
  let dir: string;
  let gw: TestGateway;
  let nginx: NginxRtmp;
  let port: number;
  let publisher: TrackedProcess;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-audio-only-'));
    nginx = await NginxRtmp.start();
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite') });
    port = await getFreePort();
    expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'radio', server_port: port })).status).toBe(200);
    publisher = spawnTracked('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '120',
      '-c:a', 'aac', '-b:a', '96k', '-flvflags', 'no_metadata',
      '-f', 'flv', `rtmp://127.0.0.1:${port}/live/radio`,
    ]);
    await streamPublished(gw.gateway.registry, 'radio', publisher, 20_000);
  });

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
    await gw?.close();
    await nginx?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the source counts as audio-only once audio has flowed for a while with no video', async () => {
    const source = gw.gateway.registry.get('radio')!.source;
    expect(source.hasAudio).toBe(true);
    await waitFor('the source to give up on video', () => source.hasVideo === false);
  });

  test('/push/startup relays the audio to nginx-rtmp', async () => {
    const started = await gw.api('/rest-api/push/startup', { streamName: 'radio', rtmpUrl: nginx.rtmpUrl('live') });
    expect(started.status).toBe(200);
    await nginx.waitForStream('live', 'rtmp_radio', 15_000);
    const streams = await probeStreams(nginx.rtmpUrl('live', 'rtmp_radio'), { timeoutMs: 20_000 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    expect(streams.video).toBeUndefined();
    expect((await gw.api('/rest-api/push/find', { streamName: 'radio' })).body[0]).toMatchObject({ state: 'publishing' });
    expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
  });

  test('a player of the gateway\'s RTMP server gets the audio', async () => {
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/radio`, { timeoutMs: 20_000 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
  });
});
