import type { EndReason } from '../../../server/hub/end-reason';
import type { TestGateway } from '../../support/gateway-harness';
import { probeFrames, probeStreams, startsOnKeyframe } from '../../support/media-probe';
import type { NginxRtmp } from '../../support/nginx-rtmp';
import { stopGracefully, type TrackedProcess } from '../../support/processes';
import { publishTestPattern } from './support/ffmpeg-publisher';
import { type IngestSetup, startIngestSetup } from './support/ingest-setup';
import { hasIntactBFrames, probePackets } from './support/probe-packets';

/** The test pattern's frame duration at 25 fps, seconds. */
const FRAME_SECONDS = 0.04;

/**
 * RTMP ingest end to end: ffmpeg publishes (H.264 with B-frames + AAC) to a server created over
 * REST, ffprobe plays it back from that server, and /push/startup relays it to nginx-rtmp.
 */
describe('ffmpeg → RTMP server → ffprobe and nginx-rtmp', () => {
  let setup: IngestSetup | undefined;
  let gw: TestGateway;
  let nginx: NginxRtmp;
  let port: number;
  let publisher: TrackedProcess;

  beforeAll(async () => {
    setup = await startIngestSetup('key1', (url) => publishTestPattern(url, { bFrames: 2, gop: 50 }), { server_type: 'SERVER_TYPE_RTMP', server_buflen: 5 });
    ({ gw, nginx, port, publisher } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  test('the stream is in the hub as an RTMP source named by its stream key', () => {
    const stream = gw.gateway.paths.stream('key1');
    expect(stream?.source.kind).toBe('rtmp');
    expect(stream?.tracks.map((t) => [t.kind, t.codec])).toEqual([['video', 'h264'], ['audio', 'aac']]);
  });

  test('ffprobe plays it back from the same server: H.264 and AAC at the published format', async () => {
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/key1`, { timeoutMs: 20_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1 });
  });

  test('a late player starts on a keyframe and gets the B-frames with their composition offsets', async () => {
    const url = `rtmp://127.0.0.1:${port}/live/key1`;
    const frames = await probeFrames(url, { seconds: 2 });
    expect(startsOnKeyframe(frames.video)).toBe(true);
    const packets = await probePackets(url, 3);
    expect(packets.filter((p) => p.kind === 'audio').length).toBeGreaterThan(50);
    expect(hasIntactBFrames(packets, FRAME_SECONDS)).toBe(true);
  });

  test('/push/startup relays it to nginx-rtmp unchanged (H.264 with B-frames, AAC)', async () => {
    const started = await gw.api('/rest-api/push/startup', { streamName: 'key1', rtmpUrl: nginx.rtmpUrl('live') });
    expect(started.status).toBe(200);
    await nginx.waitForStream('live', 'rtmp_key1', 15_000);
    const relayed = nginx.rtmpUrl('live', 'rtmp_key1');
    const streams = await probeStreams(relayed, { timeoutMs: 20_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 44100 });
    expect(hasIntactBFrames(await probePackets(relayed, 3), FRAME_SECONDS)).toBe(true);
    expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
  });

  test('when ffmpeg stops (FCUnpublish, deleteStream), the stream leaves the hub as stopped by its publisher', async () => {
    const gone = new Promise<EndReason>((resolve) => gw.gateway.paths.on('path-unpublished', (name, reason) => name === 'key1' && resolve(reason)));
    // One SIGINT: ffmpeg writes its trailer and closes the session. A second one would abort its
    // network writes, and on a loaded box the FCUnpublish and deleteStream with them (a disconnect).
    await stopGracefully(publisher.child, { secondSignalMs: 8000, graceMs: 10_000 });
    expect(await gone).toEqual({ code: 'publisher-stop', info: 'Stopped by publisher stop' });
    expect(gw.gateway.paths.stream('key1')).toBeUndefined();
  });
});
