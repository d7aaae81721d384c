import type { TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import type { NginxRtmp } from '../../support/nginx-rtmp';
import { spawnTracked } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { type IngestSetup, startIngestSetup } from './support/ingest-setup';

/**
 * An audio-only RTMP publisher that sends no onMetaData (ffmpeg -flvflags no_metadata, some
 * hardware encoders and radio tools) never says it has no video: the gateway must find out by
 * itself, or pushes and players would wait forever for a keyframe.
 */
describe('audio-only RTMP publisher without onMetaData', () => {
  let setup: IngestSetup | undefined;
  let gw: TestGateway;
  let nginx: NginxRtmp;
  let port: number;

  beforeAll(async () => {
    setup = await startIngestSetup('radio', (url) =>
      spawnTracked('ffmpeg', [
        '-hide_banner', '-loglevel', 'error', '-re',
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '120',
        '-c:a', 'aac', '-b:a', '96k', '-flvflags', 'no_metadata',
        '-f', 'flv', url,
      ]),
    );
    ({ gw, nginx, port } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  test('the source counts as audio-only once audio has flowed for a while with no video', async () => {
    const stream = gw.gateway.paths.stream('radio')!;
    expect(stream.audio?.codec).toBe('aac');
    await waitFor('the source to give up on video', () => stream.video === undefined);
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
