import { EndReasons } from '../../../server/hub/end-reason';
import type { IngestQuality } from '../../../server/hub/ingest-quality';
import type { HubStream } from '../../../server/hub/stream';
import type { StreamMetrics, StreamView } from '../../../server/rest/stream-view';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { h264Params } from '../../support/media-frames';
import { getFreePort } from '../../support/ports';
import { killAllChildren, type TrackedProcess } from '../../support/processes';
import { within } from '../../support/signalling-client';
import { waitFor } from '../../support/wait-for';
import { pathPublished, publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';
import { rtmpServersApi } from '../rtmp-server/support/api-client';

/** The quality a WebRTC publisher would report; the test changes it between calls. */
const quality: { -readonly [K in keyof IngestQuality]: IngestQuality[K] } = {
  packetsReceived: 1234,
  packetsLost: 3,
  nacksSent: 17,
  retransmissionsReceived: 21,
  duplicatePackets: 1,
  latePackets: 2,
  framesDropped: 9,
  keyframesRequested: 4,
  rttMs: 87.5,
  jitterMs: 4.2,
  repairWindowMs: 215,
};

/** Starts an RTMP server on the gateway (over its REST API); returns its port. */
async function rtmpIngest(gw: TestGateway): Promise<number> {
  const port = await getFreePort();
  const created = await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'ingest', server_port: port });
  expect(created.status).toBe(200);
  return port;
}

/** `/stream/find {name, display: ["metrics"]}`: the stream's metrics, undefined when it is not published. */
async function metricsOf(gw: TestGateway, name: string): Promise<StreamMetrics | undefined> {
  const res = await gw.api('/rest-api/stream/find', { name, display: ['metrics'] });
  return res.status === 200 ? (res.body as StreamView[])[0]!.metrics : undefined;
}

/**
 * /rest-api/stream/find, find_all and terminate (Web Call Server's shapes) and the per-publisher
 * quality series of /metrics, against a real gateway: first with streams published straight into
 * its paths (a WebRTC-like source that reports quality, an RTMP-like one that does not), then with
 * ffmpeg publishing over RTMP (metrics, terminate ending the publisher's connection).
 */
describe('stream API and publisher quality metrics', () => {
  let gw: TestGateway;
  let streams: HubStream[];

  beforeAll(async () => {
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  test('find_all, find and terminate answer 404 "Stream not found" while nothing is published', async () => {
    const answers = [
      await gw.api('/rest-api/stream/find_all'),
      await gw.api('/rest-api/stream/find_all', {}),
      await gw.api('/rest-api/stream/find', { name: 'x' }),
      await gw.api('/rest-api/stream/terminate', {}),
      await gw.api('/rest-api/stream/terminate', undefined, 'POST'),
      await gw.api('/rest-api/stream/terminate', { name: 'x' }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, code: 'STREAM_NOT_FOUND', message: 'Stream not found' });
    }
  });

  test('find_all lists WebRTC and RTMP publishers in WCS\'s shape, WebRTC ones with their quality', async () => {
    const paths = gw.gateway.paths;
    const webrtc = paths.publish('webcam', { kind: 'webrtc', mediaSessionId: 'ms-webcam', requestKeyframe: () => undefined, stats: () => ({ ...quality }) });
    webrtc.addTrack({ kind: 'video', codec: 'h264', timescale: 90000, params: h264Params(640, 480) });
    webrtc.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: 2 } });
    const rtmp = paths.publish('obs', { kind: 'rtmp', mediaSessionId: 'rtmp-7', requestKeyframe: () => undefined });
    rtmp.addTrack({ kind: 'audio', codec: 'aac', timescale: 1000 });
    streams = [webrtc, rtmp];

    for (const method of ['GET', 'POST'] as const) {
      const res = await gw.api('/rest-api/stream/find_all', method === 'POST' ? {} : undefined, method);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        {
          mediaSessionId: 'ms-webcam', name: 'webcam', published: true, status: 'PUBLISHING', mediaProvider: 'WebRTC', sourceKind: 'webrtc',
          hasVideo: true, hasAudio: true, videoCodec: 'H264', audioCodec: 'opus', width: 640, height: 480,
          createDate: webrtc.publishedAt, readers: 0, quality,
        },
        {
          mediaSessionId: 'rtmp-7', name: 'obs', published: true, status: 'PUBLISHING', mediaProvider: 'Flash', sourceKind: 'rtmp',
          hasVideo: false, hasAudio: true, videoCodec: null, audioCodec: 'AAC', width: 0, height: 0,
          createDate: rtmp.publishedAt, readers: 0,
        },
      ]);
    }
  });

  test.each([
    [{ name: 'webcam' }, ['webcam']],
    [{ mediaSessionId: 'rtmp-7' }, ['obs']],
    [{ published: true, status: 'PUBLISHING' }, ['webcam', 'obs']],
    [{ name: 'webcam', mediaSessionId: 'rtmp-7' }, []],
    [{ published: false }, []],
    [{ status: 'FAILED' }, []],
    [{ name: 'nobody', display: ['metrics'] }, []],
    [{ mediaSessionIds: ['rtmp-7', 'someone-else'] }, ['obs']],
    [{ mediaSessionIds: ['ms-webcam', 'rtmp-7'], name: 'obs' }, ['obs']],
    [{ mediaSessionIds: [] }, []],
  ])('find %j matches %j (404 when none)', async (filter, names) => {
    const res = await gw.api('/rest-api/stream/find', filter);
    if (names.length === 0) {
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('Stream not found');
    } else {
      expect(res.status).toBe(200);
      expect(res.body.map((s: { name: string }) => s.name)).toEqual(names);
    }
  });

  test.each([
    ['/rest-api/stream/find', { name: 42 }, 'name must be string'],
    ['/rest-api/stream/find', { mediaSessionIds: 'ms-webcam' }, 'mediaSessionIds must be array'],
    ['/rest-api/stream/find', { mediaSessionIds: ['ms-webcam', 7] }, 'mediaSessionIds.1 must be string'],
    ['/rest-api/stream/find', { display: 'metrics' }, 'display must be array'],
    ['/rest-api/stream/find_all', { display: [1] }, 'display.0 must be string'],
    ['/rest-api/stream/terminate', { published: 'yes' }, 'published must be boolean'],
    ['/rest-api/stream/terminate', [{ name: 'webcam' }], 'the body must be a JSON object'],
  ])('%s with %j is a 400 that says which field (%s), and ends nothing', async (route, body, message) => {
    const res = await gw.api(route, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_BODY', message });
    expect(streams.every((stream) => !stream.closed)).toBe(true);
  });

  test('/metrics has one series per WebRTC publisher, labelled with its stream name, following its counters', async () => {
    const scrape = async () => (await fetch(`${gw.httpUrl}/metrics`)).text();
    let text = await scrape();
    expect(text).toContain('# TYPE gateway_publisher_packets_received_total counter');
    expect(text).toContain('gateway_publisher_packets_received_total{streamName="webcam"} 1234');
    expect(text).toContain('gateway_publisher_packets_lost_total{streamName="webcam"} 3');
    expect(text).toContain('gateway_publisher_nacks_sent_total{streamName="webcam"} 17');
    expect(text).toContain('gateway_publisher_retransmissions_received_total{streamName="webcam"} 21');
    expect(text).toContain('gateway_publisher_duplicate_packets_total{streamName="webcam"} 1');
    expect(text).toContain('gateway_publisher_late_packets_total{streamName="webcam"} 2');
    expect(text).toContain('gateway_publisher_frames_dropped_total{streamName="webcam"} 9');
    expect(text).toContain('gateway_publisher_keyframe_requests_total{streamName="webcam"} 4');
    expect(text).toContain('gateway_publisher_rtt_seconds{streamName="webcam"} 0.0875');
    expect(text).toContain('gateway_publisher_jitter_seconds{streamName="webcam"} 0.0042');
    expect(text).toContain('gateway_publisher_repair_window_seconds{streamName="webcam"} 0.215');
    expect(text).not.toContain('streamName="obs"');

    quality.packetsReceived = 5000;
    quality.rttMs = null;
    text = await scrape();
    expect(text).toContain('gateway_publisher_packets_received_total{streamName="webcam"} 5000');
    expect(text).not.toMatch(/gateway_publisher_rtt_seconds\{/);

    for (const stream of streams) stream.close(EndReasons.publisherStop);
    text = await scrape();
    expect(text).not.toContain('streamName="webcam"');
    expect((await gw.api('/rest-api/stream/find_all')).status).toBe(404);
  });

  test('the OpenAPI document describes both calls and the Stream object with its quality', async () => {
    const { body } = await gw.api('/rest-api/openapi.json');
    expect(body.paths['/rest-api/stream/find'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('mediaSessionId');
    expect(body.paths['/rest-api/stream/find_all'].get).toBeDefined();
    expect(body.components.schemas.Stream.properties.quality.required).toEqual(expect.arrayContaining(['packetsReceived', 'packetsLost', 'nacksSent', 'rttMs', 'jitterMs']));
    expect(body.paths['/rest-api/stream/terminate'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('mediaSessionIds');
    expect(body.paths['/rest-api/stream/find'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('display');
    expect(body.components.schemas.Stream.required).toContain('sourceKind');
    expect(body.components.schemas.Stream.properties.metrics.required).toEqual(expect.arrayContaining(['bitrate', 'bytesReceived', 'videoFramesReceived', 'uptimeMs', 'readers']));
  });

  describe('with ffmpeg publishing over RTMP', () => {
    const publishers = new Map<string, TrackedProcess>();
    /** mediaSessionId of each publisher. */
    const ids = new Map<string, string>();

    beforeAll(async () => {
      const port = await rtmpIngest(gw);
      for (const name of ['alpha', 'beta']) publishers.set(name, publishTestPattern(`rtmp://127.0.0.1:${port}/live/${name}`));
      for (const [name, publisher] of publishers) ids.set(name, await pathPublished(gw.gateway.directory, name, publisher, 20_000));
    });

    afterAll(async () => {
      await killAllChildren();
    });

    test('display: ["metrics"] adds each stream\'s metrics, plausible and growing; without it there are none', async () => {
      const first = await waitFor('alpha\'s picture size and bitrate', async () => {
        const metrics = await metricsOf(gw, 'alpha');
        return metrics !== undefined && metrics.width > 0 && metrics.bitrate > 0 && metrics;
      }, 10_000);
      expect(first).toMatchObject({ sourceKind: 'rtmp', videoCodec: 'H264', audioCodec: 'AAC', width: 320, height: 240, readers: 0 });
      expect(first.videoFramesReceived).toBeGreaterThan(0);
      expect(first.audioFramesReceived).toBeGreaterThan(0);
      // Past x264's start-up delay the rates are those of a steady stream (they cover the last 5 s).
      const later = await waitFor('alpha\'s counters to grow', async () => {
        const metrics = await metricsOf(gw, 'alpha');
        return metrics !== undefined && metrics.bytesReceived > first.bytesReceived && metrics.uptimeMs > first.uptimeMs && metrics.uptimeMs >= 3000 && metrics;
      }, 10_000);
      expect(later.videoFramesReceived).toBeGreaterThan(first.videoFramesReceived);
      // 320x240 testsrc at 25 fps and 96 kbit/s AAC: over 50 kbit/s, far below 5 Mbit/s.
      expect(later.bitrate).toBeGreaterThan(50_000);
      expect(later.bitrate).toBeLessThan(5_000_000);
      expect(later.fps).toBeGreaterThan(10);
      expect(later.fps).toBeLessThan(40);

      const plain = (await gw.api('/rest-api/stream/find', { name: 'alpha' })).body as StreamView[];
      expect(plain).toEqual([expect.objectContaining({ name: 'alpha', mediaSessionId: ids.get('alpha'), sourceKind: 'rtmp', mediaProvider: 'Flash' })]);
      expect(plain[0]!.metrics).toBeUndefined();
      const withMetrics = (await gw.api('/rest-api/stream/find_all', { display: ['metrics'] })).body as StreamView[];
      expect(withMetrics.map((view) => [view.name, view.metrics?.sourceKind]).sort()).toEqual([['alpha', 'rtmp'], ['beta', 'rtmp']]);
      const listed = (await gw.api('/rest-api/stream/find_all')).body as StreamView[];
      expect(listed.every((view) => view.metrics === undefined)).toBe(true);
      const byIds = (await gw.api('/rest-api/stream/find', { mediaSessionIds: [ids.get('beta'), ids.get('alpha')] })).body as StreamView[];
      expect(byIds.map((view) => view.name).sort()).toEqual(['alpha', 'beta']);
    });

    test('terminate by name ends that publisher: its connection closes, its reserved push waits again, the other stream goes on', async () => {
      // A reserved push to a port where nothing listens: it keeps trying while alpha is published.
      const reserved = await gw.api('/rest-api/push/startup', { streamName: 'alpha', rtmpUrl: `rtmp://127.0.0.1:${await getFreePort()}/live`, reserve: true });
      expect(reserved.status).toBe(200);
      const pushState = async (): Promise<string | undefined> => ((await gw.api('/rest-api/push/find', { streamName: 'alpha' })).body as Array<{ state: string }>)[0]?.state;
      await waitFor('the reserved push to try its target', async () => (await pushState()) !== 'pending', 10_000);

      expect((await gw.api('/rest-api/stream/terminate', { name: 'alpha', published: false })).status).toBe(404);
      const beta = (await metricsOf(gw, 'beta'))!;
      const res = await gw.api('/rest-api/stream/terminate', { name: 'alpha' });
      expect(res.status).toBe(200);
      await within(publishers.get('alpha')!.exited, 10_000, 'the terminated ffmpeg publisher to lose its connection and exit');
      expect((await gw.api('/rest-api/stream/find', { name: 'alpha' })).status).toBe(404);
      await waitFor('the reserved push to wait for the next publisher', async () => (await pushState()) === 'pending', 10_000);
      await waitFor('beta to go on', async () => ((await metricsOf(gw, 'beta'))?.bytesReceived ?? 0) > beta.bytesReceived, 10_000);
      expect(publishers.get('beta')!.child.exitCode).toBeNull();
      expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: reserved.body.mediaSessionId })).status).toBe(200);
    });

    test('terminate by mediaSessionIds ends those only; an empty body ends every stream, then there is nothing left to end', async () => {
      const publishFake = (name: string): HubStream => gw.gateway.paths.publish(name, { kind: 'webrtc', mediaSessionId: `ms-${name}`, requestKeyframe: () => undefined });
      const [f1, f2] = [publishFake('f1'), publishFake('f2')];
      expect((await gw.api('/rest-api/stream/terminate', { mediaSessionIds: [] })).status).toBe(404);
      expect((await gw.api('/rest-api/stream/terminate', { status: 'PUBLISHING', name: 'nobody' })).status).toBe(404);
      expect((await gw.api('/rest-api/stream/terminate', { mediaSessionIds: ['ms-f1', 'ms-unknown'] })).status).toBe(200);
      expect(f1.closeReason).toEqual(EndReasons.restTerminate);
      expect(f2.closed).toBe(false);

      const all = await gw.api('/rest-api/stream/terminate', undefined, 'POST');
      expect(all.status).toBe(200);
      expect(f2.closeReason).toEqual(EndReasons.restTerminate);
      await within(publishers.get('beta')!.exited, 10_000, 'the beta ffmpeg publisher to lose its connection and exit');
      expect((await gw.api('/rest-api/stream/find_all')).status).toBe(404);
      expect((await gw.api('/rest-api/stream/terminate', {})).status).toBe(404);
    });
  });
});

test('the stream API is behind the access layer like every management API', async () => {
  const gw = await startTestGateway({ apiAccessToken: 'secret-token' });
  try {
    expect((await gw.api('/rest-api/stream/find_all')).status).toBe(401);
    expect((await gw.api('/rest-api/stream/terminate', {})).status).toBe(401);
    const res = await fetch(`${gw.httpUrl}/rest-api/stream/find_all`, { headers: { authorization: 'Bearer secret-token' } });
    expect(res.status).toBe(404);
  } finally {
    await gw.close();
  }
});

describe('stream terminate with media workers (workers=2)', () => {
  let gw: TestGateway;
  let port: number;

  beforeAll(async () => {
    gw = await startTestGateway({ workers: 2, codecWorkers: 2 });
    port = await rtmpIngest(gw);
  });

  afterAll(async () => {
    await killAllChildren();
    await gw?.close();
  });

  test('terminate reaches a stream on the child worker and ends its publisher; the main process\'s stream goes on', async () => {
    // A stream in the main process first: the next name goes to the least loaded node, the child.
    const local = gw.gateway.paths.publish('local', { kind: 'rtmp', mediaSessionId: 'ms-local', requestKeyframe: () => undefined });
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/remote`);
    const id = await pathPublished(gw.gateway.directory, 'remote', publisher, 20_000);
    expect(gw.gateway.workers!.placement.nodeOf('remote')).toBe(1);
    expect(gw.gateway.paths.stream('remote')).toBeUndefined();
    // Its metrics come from the child too.
    await waitFor('the child stream\'s bitrate', async () => ((await metricsOf(gw, 'remote'))?.bitrate ?? 0) > 0, 10_000);

    expect((await gw.api('/rest-api/stream/terminate', { mediaSessionIds: [id] })).status).toBe(200);
    await within(publisher.exited, 10_000, 'the ffmpeg publisher on the child to lose its connection and exit');
    await waitFor('the child stream to be gone', async () => (await gw.api('/rest-api/stream/find', { name: 'remote' })).status === 404, 10_000);
    expect(local.closed).toBe(false);
    expect((await gw.api('/rest-api/stream/find_all')).body.map((view: StreamView) => view.name)).toEqual(['local']);
    expect((await gw.api('/rest-api/stream/terminate', { name: 'local' })).status).toBe(200);
    expect(local.closeReason).toEqual(EndReasons.restTerminate);
  });
});
