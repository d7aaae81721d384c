import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from '../../../bench/report';
import { killAllChildren, spawnTracked, stopGracefully, type ExitStatus, type TrackedProcess } from '../../support/processes';

const RUN_JS = path.resolve(__dirname, '..', '..', '..', 'dist', 'bench', 'run.js');
/** The bench must finish well inside jest's 60 s; past this it is interrupted (it then kills what it started). */
const BENCH_TIMEOUT_MS = 52_000;

/**
 * A small real run of `npm run bench`: the gateway and the baseline each carry 2 synthetic WebRTC
 * publishers for a few seconds, then a stream published in-process fans out to 1 and 2 targets.
 * Figures are noisy at this size, so only their presence and plausibility are checked, never the
 * targets.
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

  test('2 streams for a few seconds: completes, prints one table and reports every figure plausibly', async () => {
    expect(existsSync(RUN_JS)).toBe(true); // built by `npm run build`
    const jsonFile = path.join(dir, 'bench.json');
    bench = spawnTracked(process.execPath, [
      RUN_JS, '--streams', '2', '--seconds', '3', '--warmup', '1', '--fanout', '1,2', '--fanout-seconds', '2', '--clip-seconds', '3', '--json', jsonFile,
    ], { stdout: 'pipe' });
    let stdout = '';
    bench.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), BENCH_TIMEOUT_MS)));
    const exit: ExitStatus | 'timeout' = await Promise.race([bench.exited, timedOut]);
    clearTimeout(timer);

    expect({ exit, stderr: exit === 'timeout' || exit.code !== 0 ? bench.stderrTail() : '' }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
    expect(stdout.match(/^metric +gateway +baseline/gm)).toHaveLength(1);
    for (const row of ['CPU per stream', 'RSS per stream', 'added latency video', 'added latency audio', 'end-to-end video', 'startup → first frame', 'longest keyframe gap', 'frames lost', 'reader queues: frames dropped', 'fan-out', 'frames dropped per level']) {
      expect(stdout).toContain(row);
    }

    const result = JSON.parse(await readFile(jsonFile, 'utf8')) as BenchResult;
    for (const system of [result.gateway, result.baseline!]) {
      expect(system.streams).toBe(2);
      expect(system.failures).toEqual([]);
      expect(system.cpuPercentPerStream).toBeGreaterThan(0);
      expect(system.processCpuPercentPerStream).toBeGreaterThan(0);
      // Both systems transcode audio in ffmpeg children.
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
      expect(level.processSystemCpuPercent).toBeGreaterThan(0);
      expect(level.processSystemCpuPercent).toBeLessThan(level.processCpuPercent);
      expect(level.lostVideoFrames + level.lostAudioFrames).toBe(0);
      expect(level.readerQueues).toMatchObject({ pushes: level.targets, droppedFrames: 0 });
    }
    expect(Number.isFinite(result.fanout!.marginalCpuPercentPerTarget)).toBe(true);
    expect(result.machine.cpus).toBeGreaterThan(0);
  }, 60_000);
});
