import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HubStream } from '../../../server/hub/stream';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { waitFor } from '../../support/wait-for';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { rtmpServersApi } from './support/api-client';
import { publishTestPattern, streamPublished } from './support/ffmpeg-publisher';
import { deliverFlood, deliverHostile } from './support/flood-delivery';
import { FLOOD_KINDS, floodInputs, hostileInputs } from './support/hostile-inputs';

const CASES = 3000;
const CONCURRENCY = 16;
const SEED = 0x5eed;
/** The server must have closed each connection within this, ms. */
const CASE_TIMEOUT_MS = 10_000;
/** Clients that flood without reading (pings, commands, unfinished messages) or stall their handshake: per kind, and at once. */
const FLOOD_CASES_PER_KIND = 3;
const FLOOD_CONCURRENCY = 4;

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

  /** Counts the frames of 'steady' from the cached GOP on (so frames flow at once), and the longest gap between two batches. */
  function watchSteady(): { received: { video: number; audio: number }; longestGapMs: number; stop(): void } {
    const stream = gw.gateway.paths.stream('steady')!;
    const watched = { received: { video: 0, audio: 0 }, longestGapMs: 0, stop: () => reader.close() };
    let lastFrameAt = performance.now();
    const reader = stream.addReader({ label: 'test', codecs: ['h264', 'aac'], limits: { maxBytes: 1 << 30, maxMs: 3_600_000 } });
    reader.start((frames) => {
      for (const frame of frames) watched.received[frame.track.kind]++;
      watched.longestGapMs = Math.max(watched.longestGapMs, performance.now() - lastFrameAt);
      lastFrameAt = performance.now();
    });
    return watched;
  }

  /** The publisher went on undisturbed: still the same live stream, frames all along. */
  function expectSteadyUnharmed(stream: HubStream, watched: ReturnType<typeof watchSteady>, elapsedMs: number): void {
    expect(gw.gateway.paths.stream('steady')).toBe(stream);
    expect(stream.closed).toBe(false);
    expect(publisher.child.exitCode).toBeNull();
    expect(watched.received.video).toBeGreaterThan((elapsedMs / 1000) * 10);
    expect(watched.received.audio).toBeGreaterThan((elapsedMs / 1000) * 10);
    expect(watched.longestGapMs).toBeLessThan(2000);
  }

  test(`${CASES} garbage, truncated and hostile inputs never crash the gateway; a stream published meanwhile is unharmed`, async () => {
    const inputs = hostileInputs(SEED, CASES);
    const stream = gw.gateway.paths.stream('steady')!;
    const watched = watchSteady();

    const started = performance.now();
    let next = 0;
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < inputs.length) await deliverHostile(port, inputs[next++]!, CASE_TIMEOUT_MS);
    });
    await Promise.all(workers);
    const elapsedMs = performance.now() - started;
    watched.stop();

    expect(new Set(inputs.map((i) => i.kind)).size).toBeGreaterThanOrEqual(10);
    expectSteadyUnharmed(stream, watched, elapsedMs);
    // Nothing a fuzz case published is left behind, and the gateway still serves.
    expect(gw.gateway.paths.streams().map((s) => s.name)).toEqual(['steady']);
    expect((await rtmpServersApi(gw.httpUrl, '/getAll')).status).toBe(200);
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/steady`, { timeoutMs: 20_000 });
    expect(streams.video?.codec).toBe('h264');
  });

  test('clients that flood pings or commands without reading, leave messages unfinished or stall their handshake are each dropped at their limit and counted in /metrics; the stream goes on', async () => {
    const inputs = floodInputs(SEED, FLOOD_CASES_PER_KIND * FLOOD_KINDS.length);
    const stream = gw.gateway.paths.stream('steady')!;
    const watched = watchSteady();
    const before = await limitCounts();

    const started = performance.now();
    let next = 0;
    const workers = Array.from({ length: FLOOD_CONCURRENCY }, async () => {
      // The handshake deadline is 5 s; every other case ends within a few.
      while (next < inputs.length) await deliverFlood(inputs[next++]!, { port, timeoutMs: 15_000 });
    });
    await Promise.all(workers);
    const elapsedMs = performance.now() - started;
    watched.stop();

    // Each client was dropped at its own limit: gateway_limit_reached_total{limit} grew by the cases that aim at it.
    const expected = new Map<string, number>();
    for (const input of inputs) expected.set(input.limit, (expected.get(input.limit) ?? 0) + 1);
    await waitFor('the limits counted', async () => {
      const after = await limitCounts();
      return [...expected].every(([limit, count]) => (after.get(limit) ?? 0) - (before.get(limit) ?? 0) === count);
    }, 2000, 20);
    expectSteadyUnharmed(stream, watched, elapsedMs);
    expect(gw.gateway.paths.streams().map((s) => s.name)).toEqual(['steady']);
  });

  /** gateway_limit_reached_total by limit, as /metrics has it now. */
  async function limitCounts(): Promise<Map<string, number>> {
    const metric = await gw.gateway.metrics.registry.getSingleMetric('gateway_limit_reached_total')!.get();
    return new Map(metric.values.map((value) => [String(value.labels['limit']), value.value]));
  }
});
