import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { boxBusyPercent, readBoxCpu } from './box-cpu';
import { CLIP_FPS, type ClipFiles } from './clip';
import { cpuPercent, type Percentiles } from './figures';
import { freePort } from './free-port';
import { readProcessUsage } from './process-usage';
import { sampleQuantile } from './quantiles';
import { readReaderQueues } from './reader-queues';
import type { CountingRtmpSink } from './rtmp-sink';
import { RtmpSourcesProcess } from './rtmp-sources-process';
import { createRtmpServer, startPush, type SystemUnderTest } from './system-under-test';

/** Sink application of the relayed streams. */
const APP = 'sat';
/** RTMP application the sources publish to. */
const INGEST_APP = 'live';
/** Sources per RTMP server of the gateway (a server takes 256 clients). */
const SOURCES_PER_SERVER = 256;
/** Sources connected, and pushes started, at once. */
const CONCURRENCY = 8;
/** Bound on one push's first frame at the sink, ms. */
const FIRST_FRAME_TIMEOUT_MS = 20_000;
/** Delivery lags when a level's video latency p99 (source write → sink arrival) exceeds this, ms: a relay on loopback takes ~1 ms. */
export const LAG_LIMIT_MS = 100;
/** The sources or the sink were the bottleneck when their pacer or event loop ran this late, ms. */
export const GENERATOR_LAG_LIMIT_MS = 50;
/** Resolution of the sink's event loop delay histogram, ms (subtracted from what it records). */
export const LOOP_RESOLUTION_MS = 10;

/** What the saturation phase needs. */
export interface SaturationOptions {
  /** A gateway (see startGateway); the phase adds an RTMP server to it. */
  readonly system: SystemUnderTest;
  readonly sink: CountingRtmpSink;
  readonly clip: ClipFiles;
  /** Stream counts to ramp through, ascending. */
  readonly levels: readonly number[];
  /** Pause before each window, after the streams were added, s. */
  readonly warmupSeconds: number;
  /** Length of each window, s. */
  readonly seconds: number;
}

/** One level of the ramp. */
export interface SaturationLevel {
  readonly streams: number;
  /** Streams that delivered video to the sink during the window. */
  readonly delivering: number;
  /** Video frames the sink received per second and delivering stream (the clip has 30). */
  readonly videoFps: number;
  readonly failures: readonly string[];
  readonly lostVideoFrames: number;
  readonly lostAudioFrames: number;
  /** Frames the pushes' reader queues dropped during the window (find_all's totals at both ends). */
  readonly droppedFrames: number;
  /** Source write → sink arrival of every marked video frame of the window, ms. */
  readonly videoLatencyMs: Percentiles;
  /** The gateway process and its children, % of one core. */
  readonly gatewayCpuPercent: number;
  /** The whole machine, % of all its cores together. */
  readonly boxBusyPercent: number;
  /** The sources process, % of one core. */
  readonly sourcesCpuPercent: number;
  /** Longest a source wrote a frame after it was due, ms. */
  readonly sourcesLagMs: number;
  /** The sink's (this process's) event loop delay, p99, ms. */
  readonly sinkLoopDelayP99Ms: number;
  /** Why the level failed; empty when it carried every stream. */
  readonly problems: readonly string[];
}

/** What the ramp found. */
export interface SaturationResult {
  readonly levels: readonly SaturationLevel[];
  /** The highest level that carried every stream without a loss, a drop or a lag; 0 if none did. */
  readonly maxStreams: number;
  /** True when the first failing level's sources or sink were late themselves: the box, not the gateway alone, ran out. */
  readonly loadGeneratorLimited: boolean;
}

/**
 * Relays more and more RTMP-ingested streams through the gateway until one is lost or late: the
 * sources (rtmp-sources.ts, one process) publish the clip to RTMP servers of the gateway, each
 * stream is pushed to the sink, and after a warm-up each level is measured over a window. The ramp
 * stops at the first level that loses a frame (at the sink or in a reader queue), leaves a stream
 * without video, or delivers video later than LAG_LIMIT_MS (p99).
 */
export async function runSaturationPhase(options: SaturationOptions): Promise<SaturationResult> {
  const ingestUrls: string[] = [];
  const sources = RtmpSourcesProcess.start({ h264Path: options.clip.h264Path, aacPath: options.clip.aacPath, fps: CLIP_FPS, connectConcurrency: CONCURRENCY });
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const levels: SaturationLevel[] = [];
  const streaming: string[] = [];
  try {
    for (const level of options.levels) {
      const failures: string[] = [];
      const entries = [];
      for (let i = streaming.length; i < level; i++) entries.push({ name: `sat${String(i + 1).padStart(3, '0')}`, url: await ingestUrl(options.system, ingestUrls, i) });
      const added = await sources.add(entries, 30_000 + entries.length * 1000);
      failures.push(...added.failed.map((f) => `${f.name}: ${f.reason}`));
      streaming.push(...(await startPushes(options, added.publishing, failures)));
      const measured = await measureLevel(options, sources, loop, level);
      const result = { ...measured, failures, problems: [...measured.problems, ...(failures.length > 0 ? [`${failures.length} failed to start`] : [])] };
      levels.push(result);
      if (result.problems.length > 0) break;
    }
  } finally {
    loop.disable();
    await sources.stop(10_000);
  }
  const passed = levels.filter((l) => l.problems.length === 0);
  const failed = levels.find((l) => l.problems.length > 0);
  return {
    levels,
    maxStreams: passed.at(-1)?.streams ?? 0,
    loadGeneratorLimited: failed !== undefined && (failed.sourcesLagMs > GENERATOR_LAG_LIMIT_MS || failed.sinkLoopDelayP99Ms > GENERATOR_LAG_LIMIT_MS),
  };
}

/** Where source `index` publishes: an RTMP server of the gateway, created when the previous ones are full. */
async function ingestUrl(system: SystemUnderTest, urls: string[], index: number): Promise<string> {
  const server = Math.floor(index / SOURCES_PER_SERVER);
  if (server === urls.length) {
    const port = await freePort();
    await createRtmpServer(system, `bench-ingest-${server + 1}`, port);
    urls.push(`rtmp://127.0.0.1:${port}/${INGEST_APP}`);
  }
  return urls[server]!;
}

/** Pushes each new stream to the sink and waits for its first frame; returns those that arrived. */
async function startPushes(options: SaturationOptions, names: readonly string[], failures: string[]): Promise<string[]> {
  const queue = [...names];
  const started: string[] = [];
  const next = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      try {
        await startPush(options.system, name, options.sink.url(APP));
        await options.sink.firstVideo(`${APP}/${name}`, FIRST_FRAME_TIMEOUT_MS);
        started.push(name);
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, next));
  return started;
}

/** Warms up, then reads a window: the sink's tallies, the reader queues, the CPU of the gateway, the sources and the box, how late the sources and the sink were. */
async function measureLevel(options: SaturationOptions, sources: RtmpSourcesProcess, loop: ReturnType<typeof monitorEventLoopDelay>, level: number): Promise<Omit<SaturationLevel, 'failures'>> {
  const { system, sink } = options;
  await sleep(options.warmupSeconds * 1000);
  await sources.lag();
  const queuesStart = await readReaderQueues(system);
  const [start, sourcesStart, boxStart] = [await system.server.usage(), await readProcessUsage(sources.pid), await readBoxCpu()];
  sink.resetWindows();
  loop.reset();
  await sleep(options.seconds * 1000);
  const [end, sourcesEnd, boxEnd] = [await system.server.usage(), await readProcessUsage(sources.pid), await readBoxCpu()];
  const sinkLoopDelayP99Ms = Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS);
  const sourcesLagMs = await sources.lag();
  const queuesEnd = await readReaderQueues(system);
  const windows = [...sink.windows()].filter(([key]) => key.startsWith(`${APP}/`)).map(([, w]) => w);
  const latencies = windows.flatMap((w) => w.videoLatenciesMs);
  const delivering = windows.filter((w) => w.videoFrames > 0).length;
  const figures = {
    streams: level,
    delivering,
    videoFps: windows.reduce((sum, w) => sum + w.videoFrames, 0) / Math.max(1, delivering) / ((end.atMs - start.atMs) / 1000),
    lostVideoFrames: windows.reduce((sum, w) => sum + w.lostVideoFrames, 0),
    lostAudioFrames: windows.reduce((sum, w) => sum + w.lostAudioFrames, 0),
    droppedFrames: queuesEnd.droppedFrames - queuesStart.droppedFrames,
    videoLatencyMs: { p50: sampleQuantile(latencies, 0.5), p99: sampleQuantile(latencies, 0.99), count: latencies.length },
    gatewayCpuPercent: cpuPercent(start, end).total,
    boxBusyPercent: boxBusyPercent(boxStart, boxEnd),
    sourcesCpuPercent: ((sourcesEnd.cpuMs - sourcesStart.cpuMs) / (end.atMs - start.atMs)) * 100,
    sourcesLagMs,
    sinkLoopDelayP99Ms,
  };
  const problems = [
    ...(figures.delivering < level ? [`${level - figures.delivering} of ${level} without video`] : []),
    ...(figures.lostVideoFrames + figures.lostAudioFrames > 0 ? [`lost ${figures.lostVideoFrames} video / ${figures.lostAudioFrames} audio frames`] : []),
    ...(figures.droppedFrames > 0 ? [`reader queues dropped ${figures.droppedFrames} frames`] : []),
    ...(!(figures.videoLatencyMs.p99 <= LAG_LIMIT_MS) ? [`video p99 ${Math.round(figures.videoLatencyMs.p99)} ms > ${LAG_LIMIT_MS} ms`] : []),
  ];
  return { ...figures, problems };
}
