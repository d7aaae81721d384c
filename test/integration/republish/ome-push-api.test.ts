import type { HubSource } from '../../../bench/hub-source';
import { createFileSource } from '../../support/file-source';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { waitFor } from '../../support/wait-for';

/** ISO 8601 local time with a ±hhmm offset, as OME writes it. */
const OME_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/;

/**
 * OvenMediaEngine's push API over the real gateway: the envelope, every field of a push through
 * its states (reserved before the stream, started, stopping), track selection by variantNames
 * (checked by ffprobe on what nginx-rtmp received), the error answers and Basic auth.
 */
describe('OME push API', () => {
  let nginx: NginxRtmp;
  let gw: TestGateway;
  let source: HubSource;

  const call = (action: string, body: unknown, app = 'app', vhost = 'default') => gw.api(`/v1/vhosts/${vhost}/apps/${app}:${action}`, body);

  beforeAll(async () => {
    nginx = await NginxRtmp.start({ applications: [{ name: 'live' }] });
    gw = await startTestGateway({ omeApps: ['app', 'live'] });
    source = await createFileSource({ width: 320, height: 240, fps: 25, videoKbps: 600, seconds: 4 });
  });

  afterAll(async () => {
    source?.stop();
    await gw?.close();
    await nginx?.stop();
  });

  test('a push made before its stream is reserved (ready), starts when the stream is published, and stops', async () => {
    const startedAt = Date.now();
    const start = await call('startPush', { id: 'push-a', stream: { name: 'cam' }, protocol: 'rtmp', url: nginx.rtmpUrl('live'), streamKey: 'key-a' });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ statusCode: 200, message: 'OK' });
    expect(start.body.response).toHaveLength(1);
    const ready = start.body.response[0];
    expect(ready).toEqual({
      id: 'push-a',
      state: 'ready',
      vhost: 'default',
      app: 'app',
      stream: { name: 'cam', trackIds: [], variantNames: ['video', 'audio'] },
      protocol: 'rtmp',
      url: nginx.rtmpUrl('live'),
      streamKey: 'key-a',
      sentBytes: 0,
      sentTime: 0,
      sequence: 0,
      totalsentBytes: 0,
      totalsentTime: 0,
      createdTime: expect.stringMatching(OME_TIME),
      startTime: expect.stringMatching(OME_TIME),
      finishTime: expect.stringMatching(OME_TIME),
      lastError: null,
    });
    expect(Math.abs(Date.parse(ready.createdTime) - startedAt)).toBeLessThan(5000);
    expect(Date.parse(ready.startTime)).toBe(0); // never started: the epoch, as OME shows it

    source.start(gw.gateway.paths, 'cam');
    await nginx.waitForStream('live', 'key-a', 15_000);
    const started = await waitFor('the push to send for a while', async () => {
      const [push] = (await call('pushes', {})).body.response;
      return push?.state === 'started' && push.sentTime >= 1000 ? push : undefined;
    }, 20_000);
    expect(started.stream.trackIds).toHaveLength(2);
    expect(started.sentBytes).toBeGreaterThan(10_000);
    expect(started.totalsentBytes).toBeGreaterThanOrEqual(started.sentBytes);
    expect(started.totalsentTime).toBeGreaterThanOrEqual(started.sentTime);
    expect(Date.parse(started.startTime)).toBeGreaterThanOrEqual(Date.parse(ready.createdTime));
    const probed = await probeStreams(nginx.rtmpUrl('live', 'key-a'));
    expect(probed.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(probed.audio?.codec).toBe('aac');

    // Pushes are listed in the app they were made in only.
    expect((await call('pushes', {}, 'live')).body).toEqual({ statusCode: 200, message: 'OK', response: [] });

    const stop = await call('stopPush', { id: 'push-a' });
    expect(stop.status).toBe(200);
    expect(stop.body.response).toMatchObject({ id: 'push-a', state: 'stopping', totalsentBytes: expect.any(Number) });
    expect((await call('pushes', {})).body.response).toEqual([]);
    const again = await call('stopPush', { id: 'push-a' });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ statusCode: 404, message: expect.stringContaining('push-a') });
  }, 60_000);

  test('variantNames picks the tracks: video only reaches nginx without audio', async () => {
    if (!gw.gateway.paths.stream('cam')) source.start(gw.gateway.paths, 'cam');
    const start = await call('startPush', { id: 'video-only', stream: { name: 'cam', variantNames: ['video'] }, protocol: 'RTMP', url: `${nginx.rtmpUrl('live')}/`, streamKey: 'key-v' }, 'live');
    expect(start.status).toBe(200);
    expect(start.body.response[0]).toMatchObject({ app: 'live', protocol: 'rtmp', stream: { variantNames: ['video'] } });
    await nginx.waitForStream('live', 'key-v', 15_000);
    const started = await waitFor('the push to start', async () => {
      const [push] = (await call('pushes', { id: 'video-only' }, 'live')).body.response;
      return push?.state === 'started' ? push : undefined;
    });
    expect(started.stream.trackIds).toHaveLength(1);
    const probed = await probeStreams(nginx.rtmpUrl('live', 'key-v'));
    expect(probed.video?.codec).toBe('h264');
    expect(probed.audio).toBeUndefined();
    expect((await call('stopPush', { id: 'video-only' }, 'live')).status).toBe(200);
  }, 60_000);

  test('errors answer in the envelope: duplicate id 409, unknown vhost or app 404, bad bodies 400', async () => {
    const body = { id: 'dup', stream: { name: 'elsewhere' }, protocol: 'rtmp', url: nginx.rtmpUrl('live'), streamKey: 'k' };
    expect((await call('startPush', body)).status).toBe(200);
    const duplicate = await call('startPush', body);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ statusCode: 409, message: expect.stringContaining("'dup'") });

    const noVhost = await call('startPush', body, 'app', 'other');
    expect(noVhost.status).toBe(404);
    expect(noVhost.body).toMatchObject({ statusCode: 404, message: expect.stringContaining('virtual host') });
    const noApp = await call('pushes', {}, 'nope');
    expect(noApp.status).toBe(404);
    expect(noApp.body).toMatchObject({ statusCode: 404, message: expect.stringContaining('application') });

    const bad: [unknown, RegExp][] = [
      [{ stream: { name: 'x' }, protocol: 'rtmp', url: 'rtmp://127.0.0.1/live' }, /id is required/],
      [{ id: 'b1', stream: { name: 'x' }, protocol: 'hls', url: 'rtmp://127.0.0.1/live' }, /protocol must be one of/],
      [{ id: 'b2', stream: { name: 'x' }, protocol: 'srt', url: 'rtmp://127.0.0.1/live' }, /protocol 'srt' needs a srt:\/\/ url/],
      [{ id: 'b3', stream: { name: 'x', variantNames: ['h264_fhd'] }, protocol: 'rtmp', url: 'rtmp://127.0.0.1/live', streamKey: 'k' }, /unknown track 'h264_fhd'/],
      [{ id: 'b4', stream: { name: 'x', trackIds: [101] }, protocol: 'rtmp', url: 'rtmp://127.0.0.1/live', streamKey: 'k' }, /trackIds is not supported/],
      [{ id: 'b5', stream: { name: 'x' }, protocol: 'mpegts', url: 'udp://127.0.0.1:0' }, /invalid port "0": expected 1 to 65535/],
      ['not json', /Malformed JSON/],
    ];
    for (const [request, message] of bad) {
      const answer = await call('startPush', request);
      expect({ request, status: answer.status }).toEqual({ request, status: 400 });
      expect(answer.body).toEqual({ statusCode: 400, message: expect.stringMatching(message), code: expect.any(String) });
    }
    expect((await call('stopPush', { id: 'dup' })).status).toBe(200);
    expect((await gw.api('/v1/vhosts/default/apps/app:startRecord', {})).body).toMatchObject({ statusCode: 404 });
  });

  test('Basic auth with the access token, as OME does: 401 without it, 200 with it', async () => {
    const guarded = await startTestGateway({ apiAccessToken: 'ome-access-token' });
    try {
      const url = `${guarded.httpUrl}/v1/vhosts/default/apps/app:pushes`;
      const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      // A loopback caller without credentials is let in only while none are configured; here one is.
      const without = await post({});
      expect(without.status).toBe(401);
      expect(await without.json()).toMatchObject({ statusCode: 401, message: expect.stringContaining('Authentication required') });
      const wrong = await post({ authorization: `Basic ${Buffer.from('wrong-token').toString('base64')}` });
      expect(wrong.status).toBe(401);
      const right = await post({ authorization: `Basic ${Buffer.from('ome-access-token').toString('base64')}` });
      expect(right.status).toBe(200);
      expect(await right.json()).toEqual({ statusCode: 200, message: 'OK', response: [] });
    } finally {
      await guarded.close();
    }
  });
});
