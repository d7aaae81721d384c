import { setTimeout as sleep } from 'node:timers/promises';
import type { ClipFiles } from './clip';
import { cpuPercent } from './figures';
import { SENDER_REPORT_SETTLE_MS } from './load-phase';
import { PublishersProcess } from './publishers-process';
import type { CountingRtmpSink } from './rtmp-sink';
import { startPush, stopPush, type SystemUnderTest } from './system-under-test';

/** Bound on one push's first frame at the sink, ms. */
const FIRST_FRAME_TIMEOUT_MS = 20_000;
const STREAM_NAME = 'fanout';

/** What the fan-out phase needs. */
export interface FanoutPhaseOptions {
  readonly system: SystemUnderTest;
  readonly sink: CountingRtmpSink;
  readonly clip: ClipFiles;
  /** Target counts to measure at, ascending (e.g. 1, 3, 10). */
  readonly levels: readonly number[];
  /** Pause before each window (after targets were added or removed), s. */
  readonly warmupSeconds: number;
  /** Length of each window, s. */
  readonly seconds: number;
}

/** CPU of the system with one stream pushed to `targets` targets. */
export interface FanoutLevel {
  readonly targets: number;
  /** Server and children, % of one core (mean of the windows at this level). */
  readonly cpuPercent: number;
  /** The server process alone, % of one core (mean of the windows at this level). */
  readonly processCpuPercent: number;
  /** The kernel (system time) part of processCpuPercent. */
  readonly processSystemCpuPercent: number;
  /** Windows measured at this level (on the way up and on the way down). */
  readonly windows: number;
  /** Frames missing at the sink during those windows, over all targets. */
  readonly lostVideoFrames: number;
}

/** What the fan-out phase measured. */
export interface FanoutResult {
  readonly levels: readonly FanoutLevel[];
  /** Least-squares slope of the server process's CPU over the number of targets: each extra target, % of one core. */
  readonly marginalCpuPercentPerTarget: number;
}

interface Sample {
  readonly targets: number;
  readonly total: number;
  readonly process: number;
  readonly processSystem: number;
  readonly lost: number;
}

/**
 * One publisher, its stream pushed to more and more targets (one sink application each), then back
 * down: every level is measured on the way up and on the way down, which cancels slow drifts of a
 * shared machine. The cost of an extra target is the slope of the server process's CPU; the
 * Opus→AAC ffmpeg is shared by a stream's targets, so it only adds noise and is left out of it.
 */
export async function runFanoutPhase(options: FanoutPhaseOptions): Promise<FanoutResult> {
  const { system, sink } = options;
  const publishers = await PublishersProcess.start({
    wsUrl: system.wsUrl,
    streamNames: [STREAM_NAME],
    h264Path: options.clip.h264Path,
    opusPath: options.clip.opusPath,
    connectConcurrency: 1,
    connectTimeoutMs: 20_000,
  }, 30_000);
  try {
    if (publishers.publishing.length === 0) throw new Error(`fan-out publisher failed: ${publishers.failed.map((f) => f.reason).join('; ')}`);
    await sleep(SENDER_REPORT_SETTLE_MS);
    const pushes: string[] = [];
    const samples: Sample[] = [];
    const sweep = [...options.levels, ...options.levels.slice(0, -1).reverse()];
    for (const level of sweep) {
      while (pushes.length < level) {
        const app = fanoutApp(pushes.length);
        pushes.push(await startPush(system, STREAM_NAME, sink.url(app)));
        await sink.firstVideo(`${app}/${STREAM_NAME}`, FIRST_FRAME_TIMEOUT_MS);
      }
      while (pushes.length > level) await stopPush(system, pushes.pop()!);
      samples.push(await measureWindow(options, level));
    }
    return summarize(options.levels, samples);
  } finally {
    await publishers.stop(10_000);
  }
}

async function measureWindow(options: FanoutPhaseOptions, targets: number): Promise<Sample> {
  const { system, sink } = options;
  await sleep(options.warmupSeconds * 1000);
  const start = await system.server.usage();
  sink.resetWindows();
  await sleep(options.seconds * 1000);
  const end = await system.server.usage();
  const cpu = cpuPercent(start, end);
  const lost = [...sink.windows()].filter(([key]) => key.startsWith('fan')).reduce((sum, [, w]) => sum + w.lostVideoFrames, 0);
  const processSystem = ((end.root.systemCpuMs - start.root.systemCpuMs) / (end.atMs - start.atMs)) * 100;
  return { targets, total: cpu.total, process: cpu.root, processSystem, lost };
}

function summarize(levels: readonly number[], samples: readonly Sample[]): FanoutResult {
  const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const perLevel = levels.map((targets) => {
    const at = samples.filter((s) => s.targets === targets);
    return { targets, cpuPercent: mean(at.map((s) => s.total)), processCpuPercent: mean(at.map((s) => s.process)), processSystemCpuPercent: mean(at.map((s) => s.processSystem)), windows: at.length, lostVideoFrames: at.reduce((sum, s) => sum + s.lost, 0) };
  });
  const x = mean(samples.map((s) => s.targets));
  const y = mean(samples.map((s) => s.process));
  const spread = samples.reduce((sum, s) => sum + (s.targets - x) ** 2, 0);
  const slope = spread > 0 ? samples.reduce((sum, s) => sum + (s.targets - x) * (s.process - y), 0) / spread : Number.NaN;
  return { levels: perLevel, marginalCpuPercentPerTarget: slope };
}

function fanoutApp(index: number): string {
  return `fan${String(index + 1).padStart(2, '0')}`;
}
