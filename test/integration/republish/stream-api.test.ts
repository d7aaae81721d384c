import { EndReasons } from '../../../server/hub/end-reason';
import type { IngestQuality } from '../../../server/hub/ingest-quality';
import type { HubStream } from '../../../server/hub/stream';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { h264Params } from '../../support/media-frames';

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

/**
 * /rest-api/stream/find and find_all (Web Call Server's shapes) and the per-publisher quality
 * series of /metrics, against a real gateway whose streams are published straight into its paths
 * (a WebRTC-like source that reports quality, an RTMP-like one that does not).
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

  test('find_all and find answer 404 "Stream not found" while nothing is published', async () => {
    for (const res of [await gw.api('/rest-api/stream/find_all'), await gw.api('/rest-api/stream/find_all', {}), await gw.api('/rest-api/stream/find', { name: 'x' })]) {
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
          mediaSessionId: 'ms-webcam', name: 'webcam', published: true, status: 'PUBLISHING', mediaProvider: 'WebRTC',
          hasVideo: true, hasAudio: true, videoCodec: 'H264', audioCodec: 'opus', width: 640, height: 480,
          createDate: webrtc.publishedAt, readers: 0, quality,
        },
        {
          mediaSessionId: 'rtmp-7', name: 'obs', published: true, status: 'PUBLISHING', mediaProvider: 'Flash',
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

  test('a malformed find body is a 400 that says which field', async () => {
    const res = await gw.api('/rest-api/stream/find', { name: 42 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_BODY', message: 'name must be string' });
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
  });
});

test('the stream API is behind the access layer like every management API', async () => {
  const gw = await startTestGateway({ apiAccessToken: 'secret-token' });
  try {
    expect((await gw.api('/rest-api/stream/find_all')).status).toBe(401);
    const res = await fetch(`${gw.httpUrl}/rest-api/stream/find_all`, { headers: { authorization: 'Bearer secret-token' } });
    expect(res.status).toBe(404);
  } finally {
    await gw.close();
  }
});
