import { setTimeout as sleep } from 'node:timers/promises';
import type { ClipFiles } from './clip';
import type { CpuShares } from './cpu-split';
import type { PublishersStats } from './publisher-messages';
import { PublishersProcess } from './publishers-process';
import { readProcessUsage, type TreeUsage } from './process-usage';
import type { ReaderQueues } from './reader-queues';
import type { CountingRtmpSink } from './rtmp-sink';
import type { StreamWindow } from './stream-tally';
import { startPush, type SystemUnderTest } from './system-under-test';

/** Pushes started at the same time. */
const STARTUP_CONCURRENCY = 8;
/** Bound on one push's first frame at the sink, ms. */
const FIRST_FRAME_TIMEOUT_MS = 20_000;
/**
 * Pause between the last publish and the first push, ms. werift sends its first RTCP sender report
 * 0.5-1.5 s after the first packet; a push started earlier gets its audio out of sync with its
 * video by the first report's delay (the Opus→AAC timeline keeps the pre-report clock mapping,
 * the video follows the report), which would make the audio latency estimate meaningless.
 */
const SENDER_REPORT_SETTLE_MS = 2000;

/** What one load phase needs; `P` is what `probe` reads. */
export interface LoadPhaseOptions<P> {
  readonly system: SystemUnderTest;
  readonly sink: CountingRtmpSink;
  readonly clip: ClipFiles;
  readonly streams: number;
  /** Sink application the pushes go to (one per system, so tallies never mix). */
  readonly app: string;
  /** Time between the last first frame and the window, s. */
  readonly warmupSeconds: number;
  /** Length of the measurement window, s. */
  readonly seconds: number;
  /** Publishes negotiated at once. */
  readonly connectConcurrency: number;
  /** Publishers reachable only at the addresses the server announces (see PublishersConfig); default false. */
  readonly onlyAnnouncedPaths?: boolean;
  /** Reads something at both ends of the window (the gateway's /metrics and find_all, a relay's counters). */
  readonly probe?: () => Promise<P>;
  /** Reads the pushes' reader queues at the end of the window (the gateway's find_all). */
  readonly readerQueues?: () => Promise<ReaderQueues>;
  /** Splits the server's CPU in a window of its own after the measured one, under the same load (a profile costs CPU itself). */
  readonly cpuShares?: () => Promise<CpuShares>;
}

/** What one load phase measured. */
export interface LoadPhaseResult<P> {
  /** Streams that published and delivered video to the sink. */
  readonly streams: number;
  /** Publishes or pushes that failed, with the reason. */
  readonly failures: readonly string[];
  /** Before any publisher, then at both ends of the window. */
  readonly usage: { readonly idle: TreeUsage; readonly start: TreeUsage; readonly end: TreeUsage };
  /** `/push/startup` call → first video frame at the sink, per stream, ms. */
  readonly startupMs: readonly number[];
  /** What the sink received during the window, per stream. */
  readonly windows: readonly StreamWindow[];
  /** `probe` at the start and the end of the window. */
  readonly probes?: { readonly start: P; readonly end: P };
  /** `readerQueues` at the end of the window. */
  readonly readerQueues?: ReaderQueues;
  /** `cpuShares`, measured after the window. */
  readonly cpuShares?: CpuShares;
  readonly publishers: PublishersStats | undefined;
  /** The publishers process (the load generator) over the window, % of one core. */
  readonly publishersCpuPercent: number;
  /** Its pacer's longest lag during the window, ms (`publishers` holds the whole phase's, connections included). */
  readonly publishersWindowLagMs: number;
}

/**
 * Runs N publishers against a system, starts one push per stream to the sink, waits for every
 * first frame, warms up, then measures a window: the system's CPU and memory (children included),
 * the load generator's CPU, what the sink received, `probe` at both ends and `readerQueues` at the
 * end; then `cpuShares` in a window of its own.
 */
export async function runLoadPhase<P>(options: LoadPhaseOptions<P>): Promise<LoadPhaseResult<P>> {
  const { system, sink } = options;
  const idle = await system.server.usage();
  const names = Array.from({ length: options.streams }, (_, i) => `bench${String(i + 1).padStart(3, '0')}`);
  const publishers = await PublishersProcess.start({
    wsUrl: system.wsUrl,
    streamNames: names,
    h264Path: options.clip.h264Path,
    opusPath: options.clip.opusPath,
    connectConcurrency: options.connectConcurrency,
    connectTimeoutMs: 20_000,
    onlyAnnouncedPaths: options.onlyAnnouncedPaths ?? false,
  }, 30_000 + options.streams * 2_000);
  let publisherStats: PublishersStats | undefined;
  try {
    const failures = publishers.failed.map((f) => `${f.streamName}: ${f.reason}`);
    await sleep(SENDER_REPORT_SETTLE_MS);
    const started = await startPushes(options, publishers.publishing, failures);
    await sleep(options.warmupSeconds * 1000);

    const startProbe = await options.probe?.();
    const start = await system.server.usage();
    const publishersStart = await readProcessUsage(publishers.pid);
    await publishers.lag(5000);
    sink.resetWindows();
    await sleep(options.seconds * 1000);
    const end = await system.server.usage();
    const publishersEnd = await readProcessUsage(publishers.pid);
    const publishersWindowLagMs = await publishers.lag(5000);
    const endProbe = await options.probe?.();
    const readerQueues = await options.readerQueues?.();
    const windows = sink.windows();
    const cpuShares = await options.cpuShares?.();

    publisherStats = await publishers.stop(10_000);
    return {
      streams: started.length,
      failures,
      usage: { idle, start, end },
      startupMs: started.map((s) => s.startupMs),
      windows: started.map((s) => windows.get(`${options.app}/${s.name}`)).filter((w) => w !== undefined),
      ...(startProbe !== undefined && endProbe !== undefined ? { probes: { start: startProbe, end: endProbe } } : {}),
      ...(readerQueues ? { readerQueues } : {}),
      ...(cpuShares ? { cpuShares } : {}),
      publishers: publisherStats,
      publishersCpuPercent: ((publishersEnd.cpuMs - publishersStart.cpuMs) / (end.atMs - start.atMs)) * 100,
      publishersWindowLagMs,
    };
  } finally {
    if (!publisherStats) await publishers.stop(10_000);
  }
}

/** Starts a push per publishing stream and waits for each one's first frame; failures are recorded, not thrown. */
async function startPushes(options: LoadPhaseOptions<unknown>, names: readonly string[], failures: string[]): Promise<Array<{ name: string; startupMs: number }>> {
  const queue = [...names];
  const firstFrames: Array<Promise<{ name: string; startupMs: number } | undefined>> = [];
  const startNext = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const calledAt = performance.timeOrigin + performance.now();
      try {
        await startPush(options.system, name, options.sink.url(options.app));
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
        continue;
      }
      const streamName = name;
      firstFrames.push(
        options.sink.firstVideo(`${options.app}/${streamName}`, FIRST_FRAME_TIMEOUT_MS).then(
          (atMs) => ({ name: streamName, startupMs: atMs - calledAt }),
          (err: unknown) => {
            failures.push(`${streamName}: ${(err as Error).message}`);
            return undefined;
          },
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: STARTUP_CONCURRENCY }, startNext));
  return (await Promise.all(firstFrames)).filter((s) => s !== undefined);
}
