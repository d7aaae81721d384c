import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RtmpClientError } from '../../../server/rtmp/client-errors';
import { RtmpPublishClient, type RtmpPublishClientOptions } from '../../../server/rtmp/client';
import { buildAacRaw, buildAacSequenceHeader, buildAvcNalu, buildAvcSequenceHeader } from '../../../server/rtmp/protocol/flv';
import { parseRtmpUrl } from '../../../server/rtmp/protocol/url';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { type CertificatePair, createSelfSignedCertificate, TlsProxy } from '../../support/tls-proxy';
import { makeSyntheticClip, type SyntheticClip, VIDEO_FRAME_MS } from './synthetic-clip';

jest.setTimeout(20_000);

let workDir: string;
let clip: SyntheticClip;
let nginx: NginxRtmp;
let certificate: CertificatePair;
let proxy: TlsProxy;
const clients: RtmpPublishClient[] = [];
const pacers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-client-test-'));
  [clip, nginx, certificate] = await Promise.all([
    makeSyntheticClip(workDir),
    NginxRtmp.start({ applications: [{ name: 'live' }, { name: 'locked', directives: ['deny publish all;'] }] }),
    createSelfSignedCertificate(),
  ]);
  proxy = await TlsProxy.start({ ...certificate, targetPort: nginx.rtmpPort });
}, 30_000);

afterEach(async () => {
  for (const timer of pacers.splice(0)) clearInterval(timer);
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await proxy?.close();
  await nginx?.stop();
  await rm(workDir, { recursive: true, force: true });
});

function newClient(url: string, streamName: string, options: Partial<RtmpPublishClientOptions> = {}): RtmpPublishClient {
  const client = new RtmpPublishClient({ target: parseRtmpUrl(url), streamName, connectTimeoutMs: 5000, ...options });
  clients.push(client);
  return client;
}

/** Sends metadata and sequence headers, then the clip in a loop at real-time pace until the test ends. */
function publishClip(client: RtmpPublishClient): void {
  client.sendMetadata({ width: 320, height: 240, framerate: 25, videocodecid: 7, audiocodecid: 10, audiosamplerate: clip.sampleRate, audiochannels: 1 });
  client.sendVideo(0, buildAvcSequenceHeader(clip.avcDecoderConfigurationRecord));
  client.sendAudio(0, buildAacSequenceHeader(clip.audioSpecificConfig));
  const audioFrameMs = (1024 * 1000) / clip.sampleRate;
  const started = performance.now();
  let video = 0;
  let audio = 0;
  pacers.push(
    setInterval(() => {
      const elapsed = performance.now() - started;
      for (; video * VIDEO_FRAME_MS <= elapsed; video++) {
        const frame = clip.videoFrames[video % clip.videoFrames.length]!;
        client.sendVideo(video * VIDEO_FRAME_MS, buildAvcNalu(frame.keyframe, frame.avcc));
      }
      for (; audio * audioFrameMs <= elapsed; audio++) {
        client.sendAudio(Math.round(audio * audioFrameMs), buildAacRaw(clip.audioFrames[audio % clip.audioFrames.length]!));
      }
    }, 20),
  );
}

async function probe(url: string): Promise<{ codec_name: string; width?: number; height?: number }[]> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', '-show_streams', '-of', 'json', url], { timeout: 10_000 });
  return (JSON.parse(stdout) as { streams: { codec_name: string; width?: number; height?: number }[] }).streams;
}

async function connectError(client: RtmpPublishClient): Promise<RtmpClientError> {
  const error: unknown = await client.connect().then(
    () => new Error('connect() unexpectedly succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof RtmpClientError)) throw error;
  return error;
}

test('publishes H.264 + AAC that nginx-rtmp relays and ffprobe decodes', async () => {
  const traced: string[] = [];
  const client = newClient(nginx.rtmpUrl('live'), 'clip', { onMessage: (direction, summary) => traced.push(`${direction} ${summary}`) });
  await client.connect();
  expect(client.connected).toBe(true);
  publishClip(client);

  const [streams, stats] = await Promise.all([probe(nginx.rtmpUrl('live', 'clip')), nginx.waitForStream('live', 'clip', 5000)]);
  expect(streams).toEqual(
    expect.arrayContaining([expect.objectContaining({ codec_name: 'h264', width: 320, height: 240 }), expect.objectContaining({ codec_name: 'aac' })]),
  );
  expect(stats).toMatchObject({ publishing: true, video: { codec: 'H264', width: 320, height: 240 }, audio: { codec: 'AAC' } });
  expect(client.bytesSent).toBeGreaterThan(10_000);
  expect(traced).toEqual(expect.arrayContaining([expect.stringMatching(/^out command_amf0 connect #1 /), expect.stringMatching(/^in command_amf0 onStatus .*NetStream\.Publish\.Start/)]));
});

test('close() unpublishes: the stream disappears and close is emitted without error', async () => {
  const client = newClient(nginx.rtmpUrl('live'), 'short');
  await client.connect();
  publishClip(client);
  await nginx.waitForStream('live', 'short', 5000);
  const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
  await client.close();
  await expect(closed).resolves.toBeUndefined();
  expect(client.connected).toBe(false);
  const live = (await nginx.stats()).find((app) => app.name === 'live');
  expect(live?.streams.some((stream) => stream.name === 'short' && stream.publishing)).toBe(false);
});

test('a publish that nginx denies fails with PUBLISH_REJECTED', async () => {
  const error = await connectError(newClient(nginx.rtmpUrl('locked'), 'nope'));
  expect(error.code).toBe('PUBLISH_REJECTED');
  expect(error.message).toMatch(/publish/);
});

test('an unknown application fails with CONNECT_REJECTED', async () => {
  const error = await connectError(newClient(nginx.rtmpUrl('no-such-app'), 'x'));
  expect(error.code).toBe('CONNECT_REJECTED');
});

test('a closed port fails with CONNECT_REFUSED', async () => {
  const port = await getFreePort();
  const error = await connectError(newClient(`rtmp://127.0.0.1:${port}/live`, 'x'));
  expect(error.code).toBe('CONNECT_REFUSED');
});

test('a host name whose resolver never answers fails with DNS, naming the host, not with a silent server\'s TIMEOUT', async () => {
  const unanswered: net.LookupFunction = () => undefined;
  const error = await connectError(newClient('rtmp://ingest.example.invalid/live', 'x', { connectTimeoutMs: 300, lookup: unanswered }));
  expect(error.code).toBe('DNS');
  expect(error.message).toBe('no DNS answer for ingest.example.invalid within 300 ms');
});

test('a server that never answers fails with TIMEOUT, naming the step: the TLS handshake, the RTMP handshake', async () => {
  const silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = silent.address() as net.AddressInfo;
    const tlsStep = await connectError(newClient(`rtmps://127.0.0.1:${port}/live`, 'x', { connectTimeoutMs: 300 }));
    expect([tlsStep.code, tlsStep.message]).toEqual(['TIMEOUT', 'no answer within 300 ms (during TLS handshake)']);
    const rtmp = await connectError(newClient(`rtmp://127.0.0.1:${port}/live`, 'x', { connectTimeoutMs: 300 }));
    expect([rtmp.code, rtmp.message]).toEqual(['TIMEOUT', 'no answer within 300 ms (during handshake)']);
  } finally {
    silent.close();
    silent.unref();
  }
});

test('rtmps publishes through a TLS proxy when the CA is trusted', async () => {
  const client = newClient(`rtmps://localhost:${proxy.port}/live`, 'secure', { tls: { ca: certificate.cert } });
  await client.connect();
  publishClip(client);
  await expect(nginx.waitForStream('live', 'secure', 5000)).resolves.toMatchObject({ publishing: true });
});

test('rtmps with an untrusted certificate fails with TLS', async () => {
  const error = await connectError(newClient(`rtmps://localhost:${proxy.port}/live`, 'insecure'));
  expect(error.code).toBe('TLS');
  expect(error.message).toMatch(/self[- ]signed/i);
});
