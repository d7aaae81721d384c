import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import pino from 'pino';
import { EndReasons } from '../../../server/hub/end-reason';
import type { HubStream } from '../../../server/hub/stream';
import type { LimitName, LimitReporter } from '../../../server/metrics/limits';
import { RtmpListener } from '../../../server/rtmp/server/rtmp-listener';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { TestPaths } from '../../support/test-paths';
import { waitFor } from '../../support/wait-for';
import { DEFAULT_CLIENT_LIMITS } from './support/client-limits';
import { publishTestPattern, streamPublished } from './support/ffmpeg-publisher';
import { deliverFlood, type FloodOutcome } from './support/flood-delivery';
import { floodInputs } from './support/hostile-inputs';
import { RtmpTestClient } from './support/rtmp-test-client';

const SEED = 0x1f100d;
const MIB = 1024 * 1024;

// Memory is compared after a full collection, so garbage not yet collected does not count as held.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;

/** Counts what the listener reports, by limit. */
class CountingReporter implements LimitReporter {
  readonly counts = new Map<LimitName, number>();

  reached(limit: LimitName): void {
    this.counts.set(limit, (this.counts.get(limit) ?? 0) + 1);
  }

  count(limit: LimitName): number {
    return this.counts.get(limit) ?? 0;
  }
}

/** Frames of a hub stream received while a test runs, and the longest gap between two batches. */
function watchFrames(stream: HubStream): { video: number; audio: number; longestGapMs: number; stop(): void } {
  const watched = { video: 0, audio: 0, longestGapMs: 0, stop: () => reader.close() };
  let last = performance.now();
  const reader = stream.addReader({ label: 'test', codecs: ['h264', 'aac'], fromCache: false, limits: { maxBytes: 1 << 30, maxMs: 3_600_000 } });
  reader.start((frames) => {
    for (const frame of frames) watched[frame.track.kind]++;
    watched.longestGapMs = Math.max(watched.longestGapMs, performance.now() - last);
    last = performance.now();
  });
  return watched;
}

/** What is live of a memory figure, after a full garbage collection. */
function live(figure: () => number): number {
  collectGarbage();
  return figure();
}

/**
 * The most a memory figure grew over its live value at the start, sampled every 20 ms until stop()
 * after a young-generation collection: that frees the socket reads already parsed, and takes a
 * millisecond where a full collection takes tens (on a loaded machine, full collections every 20 ms
 * starve the listener in this same process, and a flood then misses the server's setup deadline
 * instead of meeting the limit under test).
 */
function watchMemory(figure: () => number): { maxGrowth: number; stop(): void } {
  const start = live(figure);
  const watched = { maxGrowth: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    collectGarbage({ type: 'minor' });
    watched.maxGrowth = Math.max(watched.maxGrowth, figure() - start);
  }, 20);
  return watched;
}

/**
 * The limits of the RTMP server at their defaults, each met by the attack it stops, while a real
 * ffmpeg publisher streams through the same listener: the attacker is dropped with a log line and a
 * count, the publisher and newcomers go on.
 */
describe('RTMP server limits', () => {
  const reporter = new CountingReporter();
  const logs: Record<string, unknown>[] = [];
  const paths = new TestPaths();
  let listener: RtmpListener;
  let port: number;
  let steady: TrackedProcess;
  let stream: HubStream;
  const publishers: TrackedProcess[] = [];

  beforeAll(async () => {
    port = await getFreePort();
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info' }, lines);
    listener = await RtmpListener.listen({ host: '127.0.0.1', port, paths, access: { admitConnection: () => ({ allowed: true }), authorizeStream: async () => ({ allowed: true }) }, playerMaxQueuedMs: 5000, traceMessages: false, logger, limits: DEFAULT_CLIENT_LIMITS, limitReporter: reporter });
    steady = publishTestPattern(`rtmp://127.0.0.1:${port}/live/steady`);
    stream = await streamPublished(paths, 'steady', steady, 20_000);
  });

  beforeEach(() => {
    reporter.counts.clear();
    logs.length = 0;
  });

  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => stopGracefully(p.child)));
  });

  afterAll(async () => {
    if (steady) await stopGracefully(steady.child);
    await killAllChildren();
    await listener?.close(EndReasons.shutdown);
  });

  /** Resolves once the listener has reported `limit` `count` times (the client may see its socket close first). */
  const reported = (limit: LimitName, count: number): Promise<boolean> => waitFor(`${count} × ${limit}`, () => reporter.count(limit) >= count, 2000, 10)
    .catch((err: Error) => {
      throw new Error(`${err.message}; the listener logged: ${JSON.stringify(logs.filter((l) => Number(l['level']) >= 40 || String(l['msg']).includes('disconnect')).slice(-5))}; counts ${JSON.stringify([...reporter.counts])}`);
    });

  /** Log lines with this `limit` field. */
  const logged = (limit: LimitName): Record<string, unknown>[] => logs.filter((line) => line['limit'] === limit);

  /** The steady publisher is still the same live stream, and sent frames all along. */
  function expectSteadyUnharmed(frames: ReturnType<typeof watchFrames>, elapsedMs: number): void {
    expect(paths.stream('steady')).toBe(stream);
    expect(steady.child.exitCode).toBeNull();
    // 25 fps video and ~43 AAC frames a second; the first batch may come up to a GOP late.
    expect(frames.video).toBeGreaterThan(((elapsedMs - 2000) / 1000) * 15);
    expect(frames.audio).toBeGreaterThan(((elapsedMs - 2000) / 1000) * 20);
    expect(frames.longestGapMs).toBeLessThan(2000);
  }

  /** Starts ffmpeg publishing `name`, again whenever it is refused, until it publishes or `withinMs` passed. */
  async function publishWithRetries(name: string, withinMs: number): Promise<number> {
    const started = performance.now();
    for (let attempt = 1; performance.now() - started < withinMs; attempt++) {
      const publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/${name}`);
      publishers.push(publisher);
      try {
        await streamPublished(paths, name, publisher, withinMs - (performance.now() - started));
        return performance.now() - started;
      } catch {
        await stopGracefully(publisher.child);
        await delay(200);
      }
    }
    throw new Error(`${name} not published within ${withinMs} ms`);
  }

  test('a client that floods pings and never reads is dropped at rtmp_max_unsent_bytes; the heap stays bounded and a publisher goes on', async () => {
    const [flood] = floodInputs(SEED, 1, ['ping flood, never reading']);
    const frames = watchFrames(stream);
    const heap = watchMemory(() => process.memoryUsage().heapUsed);
    const started = performance.now();
    const outcome = await deliverFlood(flood!, { port, localAddress: '127.0.0.3', timeoutMs: 20_000 });
    heap.stop();
    frames.stop();

    // It was dropped long before the flood ran out: loopback socket buffers take a few MB of replies.
    expect(outcome.bytesWritten).toBeLessThan(flood!.flood.length * flood!.repeat);
    await reported('rtmp_unsent_bytes', 1);
    expect(reporter.count('rtmp_unsent_bytes')).toBe(1);
    expect(logged('rtmp_unsent_bytes')).toEqual([expect.objectContaining({ client: expect.stringMatching(/^127\.0\.0\.3:/), msg: 'limit reached: disconnecting the client' })]);
    // Queued, each 7-byte reply costs a few hundred bytes of heap: millions of pings would be gigabytes.
    process.stderr.write(`ping flood: heap grew ${(heap.maxGrowth / MIB).toFixed(1)} MiB at most\n`);
    expect(heap.maxGrowth).toBeLessThan(64 * MIB);
    expectSteadyUnharmed(frames, performance.now() - started);
  });

  test('eight unfinished messages of 6 to 8 MiB are dropped before they hold rtmp_max_partial_message_bytes (16 MiB)', async () => {
    const [flood] = floodInputs(SEED, 1, ['unfinished messages']);
    const frames = watchFrames(stream);
    const buffers = watchMemory(() => process.memoryUsage().arrayBuffers);
    const started = performance.now();
    await deliverFlood(flood!, { port, localAddress: '127.0.0.4', timeoutMs: 20_000 });
    buffers.stop();
    frames.stop();

    await reported('rtmp_partial_message_bytes', 1);
    expect(reporter.count('rtmp_partial_message_bytes')).toBe(1);
    expect(logged('rtmp_partial_message_bytes')).toEqual([expect.objectContaining({ client: expect.stringMatching(/^127\.0\.0\.4:/), reason: expect.stringContaining(`${DEFAULT_CLIENT_LIMITS.maxPartialMessageBytes} bytes`) })]);
    // The budget, plus what socket reads, the client's flood and the steady stream hold meanwhile, plus the
    // assembly buffers outgrown on the way that a young-generation collection does not free (15 to 28 MiB
    // in all idle, 38 on a loaded CI machine); the eight messages held whole would be 48 MiB or more.
    process.stderr.write(`partial messages: array buffers grew ${(buffers.maxGrowth / MIB).toFixed(1)} MiB at most\n`);
    expect(buffers.maxGrowth).toBeLessThan(8 * 6 * MIB);
    expectSteadyUnharmed(frames, performance.now() - started);
  });

  test('clients past rtmp_max_connections_per_ip from one address are refused at accept; other addresses, and that one once a client left, get in', async () => {
    const max = DEFAULT_CLIENT_LIMITS.maxConnectionsPerIp;
    const clients = await Promise.all(Array.from({ length: max }, () => RtmpTestClient.open(port, '127.0.0.6')));
    try {
      await expect(RtmpTestClient.open(port, '127.0.0.6')).rejects.toThrow('closed during the handshake');
      expect(reporter.count('rtmp_connections_per_ip')).toBe(1);
      expect(logged('rtmp_connections_per_ip')).toEqual([expect.objectContaining({ client: '127.0.0.6', maxConnectionsPerIp: max, msg: 'connection refused: too many clients from this address' })]);
      const other = await RtmpTestClient.open(port, '127.0.0.7');
      other.destroy();

      clients.pop()!.destroy();
      // The server learns of the close a moment later.
      for (let tries = 0; ; tries++) {
        const again = await RtmpTestClient.open(port, '127.0.0.6').catch(() => undefined);
        if (again !== undefined) {
          clients.push(again);
          break;
        }
        if (tries === 20) throw new Error('the address stayed refused after one of its clients left');
        await delay(50);
      }
    } finally {
      for (const client of clients) client.destroy();
    }
  });

  test('256 stalled handshakes from one address do not lock the listener: a real publisher gets in while they stall', async () => {
    const stalls = floodInputs(SEED, 256, ['stalled handshake']).map((input) => deliverFlood(input, { port, localAddress: '127.0.0.5', timeoutMs: 15_000 }));
    const publishedAfterMs = await publishWithRetries('second', 10_000);
    const outcomes = await Promise.all(stalls);

    const admitted = DEFAULT_CLIENT_LIMITS.maxConnectionsPerIp;
    const dropped = outcomes.filter((o) => o.elapsedMs > DEFAULT_CLIENT_LIMITS.handshakeTimeoutMs - 500);
    expect(dropped).toHaveLength(admitted);
    // The publisher got in before the stalled clients were dropped, on its first try.
    expect(publishedAfterMs).toBeLessThan(Math.min(...dropped.map((o) => o.elapsedMs)));
    expect(publishers).toHaveLength(1);
    await reported('rtmp_handshake_timeout', admitted);
    expect(reporter.count('rtmp_connections_per_ip')).toBe(256 - admitted);
    expect(reporter.count('rtmp_handshake_timeout')).toBe(admitted);
  });

  test('256 stalled handshakes from many addresses fill the listener; rtmp_handshake_timeout frees it within seconds for a publisher', async () => {
    // 16 addresses of 16: under the per-address limit, together every slot of the listener.
    const stalls: Promise<FloodOutcome>[] = floodInputs(SEED + 1, 256, ['stalled handshake']).map((input, i) =>
      deliverFlood(input, { port, localAddress: `127.0.1.${1 + (i % 16)}`, timeoutMs: 15_000 }),
    );
    await delay(300);
    const publishedAfterMs = await publishWithRetries('third', 12_000);
    const outcomes = await Promise.all(stalls);

    // Refused while the slots were taken, then in once the deadline freed them: well before the 10 s setup deadline would.
    expect(publishers.length).toBeGreaterThan(1);
    expect(publishedAfterMs).toBeLessThan(DEFAULT_CLIENT_LIMITS.handshakeTimeoutMs + 3000);
    await reported('rtmp_handshake_timeout', 255);
    for (const outcome of outcomes) expect(outcome.elapsedMs).toBeLessThan(DEFAULT_CLIENT_LIMITS.handshakeTimeoutMs + 1000);
  });
});
