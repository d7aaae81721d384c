import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { rtmpServersApi } from './support/api-client';
import { publishTestPattern, streamPublished } from './support/ffmpeg-publisher';
import { type HostileInput, hostileInputs } from './support/hostile-inputs';

const CASES = 3000;
const CONCURRENCY = 16;
const SEED = 0x5eed;
/** The server must have closed each connection within this, ms. */
const CASE_TIMEOUT_MS = 10_000;

/**
 * Sends one input and hangs up (FIN); resolves once the server has closed its side too.
 * Rejects if the connection is still open after CASE_TIMEOUT_MS.
 */
function deliver(port: number, input: HostileInput): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a '${input.kind}' connection open for ${CASE_TIMEOUT_MS} ms`));
    }, CASE_TIMEOUT_MS);
    socket.on('error', () => undefined); // a reset by the server is one of the expected endings
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume(); // discard what the server answers, or 'end' (and so 'close') never comes
    socket.on('connect', () => socket.end(input.bytes));
  });
}

/** Bounded fuzz of a listening port while a real publisher streams through another connection. */
describe('an RTMP server under hostile clients', () => {
  let dir: string;
  let gw: TestGateway;
  let port: number;
  let publisher: TrackedProcess;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-fuzz-'));
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite') });
    port = await getFreePort();
    expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'fuzzed', server_port: port })).status).toBe(200);
    publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/steady`);
    await streamPublished(gw.gateway.paths, 'steady', publisher, 20_000);
  });

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    await killAllChildren();
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test(`${CASES} garbage, truncated and hostile inputs never crash the gateway; a stream published meanwhile is unharmed`, async () => {
    const inputs = hostileInputs(SEED, CASES);
    const stream = gw.gateway.paths.stream('steady')!;
    const received = { video: 0, audio: 0 };
    let longestGapMs = 0;
    let lastFrameAt = performance.now();
    // From the cached GOP, so frames flow at once.
    const reader = stream.addReader({ label: 'test', codecs: ['h264', 'aac'], limits: { maxBytes: 1 << 30, maxMs: 3_600_000 } });
    reader.start((frames) => {
      for (const frame of frames) received[frame.track.kind]++;
      longestGapMs = Math.max(longestGapMs, performance.now() - lastFrameAt);
      lastFrameAt = performance.now();
    });

    const started = performance.now();
    let next = 0;
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < inputs.length) await deliver(port, inputs[next++]!);
    });
    await Promise.all(workers);
    const elapsedMs = performance.now() - started;
    reader.close();

    expect(new Set(inputs.map((i) => i.kind)).size).toBeGreaterThanOrEqual(10);
    // The publisher went on undisturbed: still the same live stream, frames all along.
    expect(gw.gateway.paths.stream('steady')).toBe(stream);
    expect(stream.closed).toBe(false);
    expect(publisher.child.exitCode).toBeNull();
    expect(received.video).toBeGreaterThan((elapsedMs / 1000) * 10);
    expect(received.audio).toBeGreaterThan((elapsedMs / 1000) * 10);
    expect(longestGapMs).toBeLessThan(2000);
    // Nothing a fuzz case published is left behind, and the gateway still serves.
    expect(gw.gateway.paths.streams().map((s) => s.name)).toEqual(['steady']);
    expect((await rtmpServersApi(gw.httpUrl, '/getAll')).status).toBe(200);
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/steady`, { timeoutMs: 20_000 });
    expect(streams.video?.codec).toBe('h264');
  });
});
