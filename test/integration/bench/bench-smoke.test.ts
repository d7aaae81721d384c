import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from '../../../bench/report';
import { killAllChildren, spawnTracked, stopGracefully, type ExitStatus, type TrackedProcess } from '../../support/processes';

const RUN_JS = path.resolve(__dirname, '..', '..', '..', 'dist', 'bench', 'run.js');
/** The bench must finish well inside jest's 90 s; past this it is interrupted (it then kills what it started). */
const BENCH_TIMEOUT_MS = 80_000;

/**
 * Small real runs of `npm run bench`: the gateway and the baseline each carry 2 synthetic WebRTC
 * publishers for a few seconds, then a stream published in-process fans out to 1 and 2 targets;
 * then one stream over a lossy link. Figures are noisy at this size, so only their presence and
 * plausibility are checked, never the targets.
 */
describe('bench smoke run', () => {
  let dir: string;
  let bench: TrackedProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
  });

  afterAll(async () => {
    if (bench) await stopGracefully(bench.child, { graceMs: 5000 });
    await killAllChildren();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the bench with `args` and `--json`; expects it to exit with 0, returns what it printed and wrote. */
  async function runBench(args: readonly string[]): Promise<{ stdout: string; result: BenchResult }> {
    expect(existsSync(RUN_JS)).toBe(true); // built by `npm run build`
    const jsonFile = path.join(dir, 'bench.json');
    bench = spawnTracked(process.execPath, [RUN_JS, ...args, '--json', jsonFile], { stdout: 'pipe' });
    let stdout = '';
    bench.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), BENCH_TIMEOUT_MS)));
    const exit: ExitStatus | 'timeout' = await Promise.race([bench.exited, timedOut]);
    clearTimeout(timer);
    expect({ exit, stderr: exit === 'timeout' || exit.code !== 0 ? bench.stderrTail() : '' }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
    return { stdout, result: JSON.parse(await readFile(jsonFile, 'utf8')) as BenchResult };
  }

  test('2 streams for a few seconds: completes, prints one table and reports every figure plausibly', async () => {
    const { stdout, result } = await runBench([
      '--streams', '2', '--seconds', '3', '--warmup', '1', '--fanout', '1,2', '--fanout-seconds', '2', '--clip-seconds', '3', '--link', 'off',
      '--split-seconds', '0', '--saturation', 'off', '--beam-seconds', '2',
    ]);
    expect(stdout.match(/^metric +gateway +baseline/gm)).toHaveLength(1);
    expect(stdout).not.toMatch(/^lossy link/m);
    for (const row of ['CPU per stream', 'RSS per stream', 'added latency video', 'added latency audio', 'end-to-end video', 'startup → first frame', 'longest keyframe gap', 'frames lost', 'reader queues: frames dropped', 'fan-out', 'frames dropped per level']) {
      expect(stdout).toContain(row);
    }

    for (const system of [result.gateway, result.baseline!]) {
      expect(system.streams).toBe(2);
      expect(system.failures).toEqual([]);
      expect(system.cpuPercentPerStream).toBeGreaterThan(0);
      expect(system.processCpuPercentPerStream).toBeGreaterThan(0);
      // Both systems transcode audio in child processes: the gateway in its codec workers, the recipe in an ffmpeg per stream.
      expect(system.childrenCpuPercentPerStream).toBeGreaterThan(0);
      expect(Number.isFinite(system.rssMbPerStream)).toBe(true);
      expect(Number.isFinite(system.pssMbPerStream)).toBe(true);
      for (const latency of [system.endToEndLatencyMs.video, system.endToEndLatencyMs.audio]) {
        expect(latency.count).toBeGreaterThan(0);
        expect(latency.p50).toBeGreaterThan(0);
        expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
        expect(latency.p99).toBeLessThan(10_000);
      }
      expect(system.startupMs.p50).toBeGreaterThan(0);
      expect(system.startupMs.max).toBeLessThan(20_000);
      // The clip has one keyframe per second, 30 fps.
      expect(system.maxKeyframeGapMs).toBeGreaterThanOrEqual(900);
      expect(system.videoFrames).toBeGreaterThan(2 * 30);
      expect(system.audioFrames).toBeGreaterThan(2 * 40);
      expect(system.lostVideoFrames).toBeGreaterThanOrEqual(0);
      expect(system.lostAudioFrames).toBeGreaterThanOrEqual(0);
    }
    const added = result.gateway.addedLatencyMs!;
    for (const latency of [added.video, added.audio]) {
      expect(latency.count).toBeGreaterThan(0);
      expect(latency.p50).toBeGreaterThan(0);
      expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
    }
    expect(result.baseline!.addedLatencyMs).toBeUndefined();
    // Loopback sinks keep up: nothing is dropped, and at most a frame or two waits at any moment.
    expect(result.gateway.readerQueues).toMatchObject({ pushes: 2, droppedFrames: 0, maxDroppedFramesPerPush: 0 });
    expect(result.gateway.readerQueues!.maxQueuedFrames).toBeLessThan(30);
    expect(result.baseline!.readerQueues).toBeUndefined();
    // Up to 2 targets and back down to 1: the bottom level is measured twice.
    expect(result.fanout!.levels.map((level) => [level.targets, level.windows])).toEqual([[1, 2], [2, 1]]);
    for (const level of result.fanout!.levels) {
      expect(level.processCpuPercent).toBeGreaterThan(0);
      // Kernel time comes in 10 ms clock ticks: a short window at one target can hold none of them.
      expect(level.processSystemCpuPercent).toBeGreaterThanOrEqual(0);
      expect(level.processSystemCpuPercent).toBeLessThan(level.processCpuPercent);
      expect(level.lostVideoFrames + level.lostAudioFrames).toBe(0);
      expect(level.readerQueues).toMatchObject({ pushes: level.targets, droppedFrames: 0 });
    }
    expect(Number.isFinite(result.fanout!.marginalCpuPercentPerTarget)).toBe(true);
    // The same sweep over MPEG-TS/UDP pushes and over recordings, each with its own row.
    for (const [fanout, row] of [[result.fanoutMpegts, 'fan-out to MPEG-TS over UDP'], [result.fanoutRecording, 'fan-out to recordings (MP4)']] as const) {
      expect(stdout).toContain(row);
      expect(fanout!.levels.map((level) => [level.targets, level.windows])).toEqual([[1, 2], [2, 1]]);
      for (const level of fanout!.levels) expect(level.processCpuPercent).toBeGreaterThan(0);
      expect(Number.isFinite(fanout!.marginalCpuPercentPerTarget)).toBe(true);
    }
    // One page captured by the gateway's Chromium and pushed to the sink.
    expect(stdout).toContain('beam: a page at 1280×720');
    expect(result.beam).toMatchObject({ width: 1280, height: 720 });
    expect(result.beam!.childrenCpuPercent).toBeGreaterThan(0);
    expect(result.beam!.fps).toBeGreaterThan(0);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.link).toBeUndefined();
    expect(result.saturation).toBeUndefined();
    // One stream count: the cost table has the gateway and the baseline at 2, no per-added column; the split was not asked for.
    expect(stdout).toMatch(/^cost per stream +gateway 2 +baseline 2$/m);
    expect(result.costs).toHaveLength(1);
    expect(result.costs[0]!.gateway.nodeSplit).toBeUndefined();
    expect(result.costs[0]!.baseline!.nodeSplit).toMatchObject({ codecs: 0, sinks: 0, other: 0 });
  }, 90_000);

  test('two stream counts and a saturation ramp: the cost table splits the gateway per stream and per added stream, the ramp relays RTMP-ingested streams', async () => {
    const { stdout, result } = await runBench([
      '--streams', '1,2', '--seconds', '3', '--warmup', '1', '--split-seconds', '1', '--clip-seconds', '3', '--baseline', 'off', '--fanout', 'off', '--link', 'off', '--beam-seconds', '0',
      '--saturation', '2,4', '--saturation-seconds', '2', '--saturation-settings', 'log_level=info',
    ]);
    expect(stdout).toMatch(/^cost per stream +gateway 1 +gateway 2 +gateway per added stream 1→2$/m);
    expect(result.costs.map((run) => run.gateway.streams)).toEqual([1, 2]);
    for (const { gateway } of result.costs) {
      const split = gateway.nodeSplit!;
      expect(split.sampledMs).toBeGreaterThan(0);
      // The shares of the node process's CPU add up to it; ~300 packets a second keep the receive path in every profile.
      expect(split.receive + split.codecs + split.sinks + split.other).toBeCloseTo(gateway.nodeCpuPercent, 6);
      expect(split.receive).toBeGreaterThan(0);
      // The Opus→AAC transcoders are the gateway's children: one codec worker carries a few streams.
      expect(gateway.childProcesses).toBe(1);
      expect(gateway.childrenCpuPercent).toBeGreaterThan(0);
      expect(gateway.memory.children.pssMb).toBeGreaterThan(0);
      expect(gateway.publishersCpuPercent).toBeGreaterThan(0);
    }
    expect(stdout).toMatch(/^saturation ²²: RTMP-ingested sources relayed to the sink, gateway settings: log_level=info$/m);
    const saturation = result.saturation!;
    // Loopback relays 4 streams easily: both levels pass, every stream at the clip's 30 fps.
    expect(saturation.levels.map((level) => [level.streams, level.delivering, level.problems])).toEqual([[2, 2, []], [4, 4, []]]);
    expect(saturation.maxStreams).toBe(4);
    for (const level of saturation.levels) {
      expect(level.videoFps).toBeGreaterThan(25);
      expect(level.lostVideoFrames + level.lostAudioFrames + level.droppedFrames).toBe(0);
      expect(level.gatewayCpuPercent).toBeGreaterThan(0);
      expect(level.sourcesCpuPercent).toBeGreaterThan(0);
    }
  }, 90_000);

  test('a lossy link: the relay applies the loss and keeps up, the gateway NACKs and the publisher answers with RTX, the table compares it with the clean run', async () => {
    const { stdout, result } = await runBench([
      '--streams', '1', '--seconds', '2', '--warmup', '1', '--clip-seconds', '3', '--baseline', 'off', '--fanout', 'off', '--beam-seconds', '0',
      '--link', 'rtt100Jitter20Loss2', '--repair-windows', 'auto', '--link-streams', '1', '--link-seconds', '6', '--split-seconds', '0', '--saturation', 'off',
    ]);
    expect(stdout.match(/^lossy link ¹¹ +clean +rtt100Jitter20Loss2 auto$/gm)).toHaveLength(1);
    for (const row of ['video frames lost', 'longest freeze', 'freezes > 200 ms', 'NACKs sent / RTX received', 'relay: dropped by bound']) expect(stdout).toContain(row);
    const [clean, lossy] = result.link!.columns;
    expect(clean).toMatchObject({ label: 'clean', streams: 1 });
    expect(clean!.relay).toBeUndefined();
    expect(lossy).toMatchObject({ label: 'rtt100Jitter20Loss2 auto', streams: 1, failures: [] });
    // The media crossed the relay (≈ 350 packets/s of video and audio), which dropped 2 % of it on purpose and nothing of its own.
    expect(lossy!.relay!.forwarded).toBeGreaterThan(1000);
    expect(lossy!.relay!.droppedByLoss).toBeGreaterThan(0);
    expect(lossy!.relay).toMatchObject({ droppedByBound: 0, sendFailed: 0 });
    expect(lossy!.ingest.nacksSent).toBeGreaterThan(0);
    expect(lossy!.ingest.retransmissionsReceived).toBeGreaterThan(0);
    expect(lossy!.publishers!.retransmissionsSent).toBeGreaterThanOrEqual(lossy!.ingest.retransmissionsReceived);
    // The gateway measured the profile's 100 ms round trip (plus jitter), not loopback's.
    expect(lossy!.ingest.meanRttMs).toBeGreaterThan(80);
    expect(lossy!.videoFramesDelivered).toBeGreaterThan(6 * 20);
    expect(lossy!.longestFreezeMs).toBeGreaterThan(0);
  }, 90_000);
});
