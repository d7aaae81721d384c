import pino from 'pino';
import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import type { Frame } from '../../../server/hub/frame';
import { EndReasons } from '../../../server/hub/end-reason';
import { HubStream } from '../../../server/hub/stream';
import { BatchTicker } from '../../../server/transcode/batch-ticker';
import { aacFromOpus } from '../../../server/transcode/aac-from-opus';
import { UNBOUNDED } from '../../support/hub-readers';
import { opusTonePackets } from '../../support/opus-tone';
import { waitFor } from '../../support/wait-for';

/** How long after a kill a frame the dead worker had already sent may still arrive, ms. */
const IN_FLIGHT_MS = 200;

const silent = pino({ level: 'silent' });
const PACKET_MS = 20;
const AAC_FRAME = 1024;


/** A published stream whose Opus track is paced in real time, and a reader of its AAC (which starts the derivation). */
function publish(name: string, pool: CodecPool, packets: readonly Buffer[]) {
  const stream = new HubStream(name, { kind: 'webrtc', mediaSessionId: name, requestKeyframe: () => undefined }, [aacFromOpus({ pool, bitrateBps: 128_000, batches: new BatchTicker(60), channels: 'auto' })], silent);
  const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000 });
  const reader = stream.addReader({ label: 'test', codecs: ['aac'], fromCache: false, limits: UNBOUNDED });
  const frames: Frame[] = [];
  const arrivals: number[] = [];
  reader.start((batch) => {
    for (const frame of batch) {
      frames.push(frame);
      arrivals.push(performance.now());
    }
  });
  let i = 0;
  const timer = setInterval(() => {
    const packet = packets[i % packets.length]!;
    stream.write({ track: opus, pts: i * 960, dts: i * 960, keyframe: true, data: packet, wallClock: Date.now(), receivedAt: performance.now() });
    i++;
  }, PACKET_MS);
  return { stream, frames, arrivals, stop: () => clearInterval(timer) };
}

describe('codec workers', () => {
  let pool: CodecPool;
  let packets: Buffer[];

  beforeAll(async () => {
    packets = await opusTonePackets(4);
  });

  afterEach(() => pool.close());

  test('a worker killed with SIGKILL mid-stream: its stream has AAC again within 1 s, the stream on the other worker loses nothing', async () => {
    // workerFillLoad 1: each stream on a worker of its own, so that the kill spares one of them.
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 2, workerFillLoad: 1 }, silent);
    const a = publish('a', pool, packets);
    const b = publish('b', pool, packets);
    try {
      await waitFor('AAC from both streams', () => a.frames.length > 20 && b.frames.length > 20, 15_000);
      const workers = pool.stats().workers;
      expect(workers.map((w) => w.sessions)).toEqual([1, 1]); // one stream per worker
      const victim = workers[0]!.pid!;
      const killedAt = performance.now();
      const aBefore = a.frames.length;
      process.kill(victim, 'SIGKILL');
      // AAC the killed worker had already sent may still arrive after the kill: it goes on at
      // 1024-sample steps from the frames before. The first frame off that cadence is the new worker's.
      const firstOfNewWorker = (): number | undefined => {
        for (let k = aBefore; k < a.frames.length; k++) if (a.frames[k]!.pts !== a.frames[k - 1]!.pts + AAC_FRAME) return k;
        return undefined;
      };
      const resumed = await waitFor('AAC from the stream whose worker was killed', firstOfNewWorker, 5000);
      const resumedAfterMs = a.arrivals[resumed]! - killedAt;
      expect(resumedAfterMs).toBeLessThan(1000);
      expect(pool.workerPids()).not.toContain(victim);
      expect(pool.stats().restarts).toBe(1);
      // Let both run on for a while, then check b's timeline: every 1024-sample slot, none missing or repeated.
      const bCount = b.frames.length;
      await waitFor('more AAC from the other stream', () => b.frames.length > bCount + 40, 10_000);
      const bPts = b.frames.map((f) => f.pts);
      bPts.forEach((pts, k) => expect(pts - bPts[0]!).toBe(k * AAC_FRAME));
      // a's new transcoder starts its own timeline after the gap; its frames go on at 1024-sample steps.
      const aPts = a.frames.slice(resumed + 1).map((f) => f.pts);
      for (let k = 1; k < aPts.length; k++) expect(aPts[k]! - aPts[k - 1]!).toBe(AAC_FRAME);
      process.stdout.write(`codec worker SIGKILL: stream on it had AAC again after ${Math.round(resumedAfterMs)} ms\n`);
    } finally {
      a.stop();
      b.stop();
      a.stream.close(EndReasons.publisherStop);
      b.stream.close(EndReasons.publisherStop);
    }
  });

  test('with one worker, a killed worker is replaced and its streams have AAC again within 1 s; a crash loop is held back', async () => {
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1, crashLoopMs: 500, restartDelayMs: 3000 }, silent);
    const a = publish('a', pool, packets);
    try {
      await waitFor('AAC', () => a.frames.length > 40, 15_000); // > 0.8 s: past crashLoopMs
      const [victim] = pool.workerPids();
      let killedAt = performance.now();
      let before = a.frames.length;
      process.kill(victim!, 'SIGKILL');
      await waitFor('AAC after the first kill', () => a.arrivals.length > before && a.arrivals.at(-1)! > killedAt, 5000);
      expect(a.arrivals.find((t, k) => k >= before && t > killedAt)! - killedAt).toBeLessThan(1000);
      const [replacement] = pool.workerPids();
      expect(replacement).not.toBe(victim);
      // Killed again at once (a worker that dies young): the next one waits restartDelayMs.
      killedAt = performance.now();
      before = a.frames.length;
      process.kill(replacement!, 'SIGKILL');
      // AAC the replacement encoded just before it was killed may still arrive a moment later: past
      // that, nothing may come until the delayed restart.
      const settled = killedAt + IN_FLIGHT_MS;
      await waitFor('AAC after the second kill', () => a.arrivals.length > before && a.arrivals.at(-1)! > settled, 10_000);
      expect(a.arrivals.find((t, k) => k >= before && t > settled)! - killedAt).toBeGreaterThanOrEqual(3000);
      expect(pool.stats().restarts).toBe(2);
    } finally {
      a.stop();
      a.stream.close(EndReasons.publisherStop);
    }
  });
});
