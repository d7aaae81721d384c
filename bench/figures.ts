import type { LoadPhaseResult } from './load-phase';
import { treeCpuMs, type TreeUsage } from './process-usage';
import type { PublishersStats } from './publisher-messages';
import type { ReaderQueues } from './reader-queues';
import { histogramCount, histogramDelta, histogramQuantile, parseHistogram, sampleQuantile } from './quantiles';

/** A latency distribution's median and 99th percentile, ms. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  /** Observations they were computed from. */
  readonly count: number;
}

/** Every figure of one system under load, as the report prints it. */
export interface SystemFigures {
  readonly label: string;
  /** Streams published, pushed and delivered to the sink. */
  readonly streams: number;
  readonly failures: readonly string[];
  /** Length of the measurement window, s. */
  readonly windowSeconds: number;
  /** CPU of the server and its children per stream, % of one core. */
  readonly cpuPercentPerStream: number;
  /** The server process alone (Node), % of one core per stream. */
  readonly processCpuPercentPerStream: number;
  /** Its child processes (ffmpeg), % of one core per stream. */
  readonly childrenCpuPercentPerStream: number;
  /** Resident memory added per stream (server and children, loaded minus idle), MB. */
  readonly rssMbPerStream: number;
  /** Proportional memory added per stream (shared libraries split between processes), MB. */
  readonly pssMbPerStream: number;
  /** The RSS added per stream by the server process alone (Node), MB. */
  readonly processRssMbPerStream: number;
  /** The RSS added per stream by its child processes (ffmpeg), MB. */
  readonly childrenRssMbPerStream: number;
  /** Time frames spend inside the server, RTP arrival → RTMP message written (the gateway's /metrics only), ms. */
  readonly addedLatencyMs?: { readonly video: Percentiles; readonly audio: Percentiles };
  /** Publisher send → sink arrival; audio estimated through the video markers (assumes A/V sync), ms. */
  readonly endToEndLatencyMs: { readonly video: Percentiles; readonly audio: Percentiles };
  /** `/push/startup` → first video frame at the sink, ms. */
  readonly startupMs: { readonly p50: number; readonly max: number };
  /** Longest interval between keyframes at the sink, by RTMP timestamp, ms. */
  readonly maxKeyframeGapMs: number;
  readonly videoFrames: number;
  readonly audioFrames: number;
  readonly lostVideoFrames: number;
  readonly lostAudioFrames: number;
  /** The pushes' reader queues at the end of the window (the gateway's find_all only). */
  readonly readerQueues?: ReaderQueues;
  readonly publishers: PublishersStats | undefined;
}

const MB = 1024 * 1024;
const LATENCY_METRIC = 'gateway_frame_latency_seconds';

/** CPU of a process tree between two readings, % of one core: [total, root, descendants]. */
export function cpuPercent(start: TreeUsage, end: TreeUsage): { total: number; root: number; descendants: number } {
  const cpu = treeCpuMs(start, end);
  const elapsed = end.atMs - start.atMs;
  return { total: ((cpu.root + cpu.descendants) / elapsed) * 100, root: (cpu.root / elapsed) * 100, descendants: (cpu.descendants / elapsed) * 100 };
}

/** Turns a load phase into the report's figures; `label` names the system. Its probes, if any, hold the gateway's /metrics. */
export function loadFigures(label: string, phase: LoadPhaseResult<{ readonly metrics: string }>): SystemFigures {
  const n = Math.max(1, phase.streams);
  const { idle, start, end } = phase.usage;
  const cpu = cpuPercent(start, end);
  const children = (usage: TreeUsage, key: 'rssBytes' | 'pssBytes'): number => usage.descendants.reduce((sum, u) => sum + u[key], 0);
  const memory = (usage: TreeUsage, key: 'rssBytes' | 'pssBytes'): number => usage.root[key] + children(usage, key);
  const windows = phase.windows;
  const sum = (pick: (w: (typeof windows)[number]) => number): number => windows.reduce((total, w) => total + pick(w), 0);
  return {
    label,
    streams: phase.streams,
    failures: phase.failures,
    windowSeconds: (end.atMs - start.atMs) / 1000,
    cpuPercentPerStream: cpu.total / n,
    processCpuPercentPerStream: cpu.root / n,
    childrenCpuPercentPerStream: cpu.descendants / n,
    rssMbPerStream: (memory(end, 'rssBytes') - memory(idle, 'rssBytes')) / MB / n,
    pssMbPerStream: (memory(end, 'pssBytes') - memory(idle, 'pssBytes')) / MB / n,
    processRssMbPerStream: (end.root.rssBytes - idle.root.rssBytes) / MB / n,
    childrenRssMbPerStream: (children(end, 'rssBytes') - children(idle, 'rssBytes')) / MB / n,
    ...(phase.probes ? { addedLatencyMs: addedLatency(phase.probes.start.metrics, phase.probes.end.metrics) } : {}),
    endToEndLatencyMs: {
      video: samplePercentiles(windows.flatMap((w) => w.videoLatenciesMs)),
      audio: samplePercentiles(windows.flatMap((w) => w.audioLatenciesMs)),
    },
    startupMs: { p50: sampleQuantile(phase.startupMs, 0.5), max: Math.max(...phase.startupMs) },
    maxKeyframeGapMs: Math.max(0, ...windows.map((w) => w.maxKeyframeGapMs)),
    videoFrames: sum((w) => w.videoFrames),
    audioFrames: sum((w) => w.audioFrames),
    lostVideoFrames: sum((w) => w.lostVideoFrames),
    lostAudioFrames: sum((w) => w.lostAudioFrames),
    ...(phase.readerQueues ? { readerQueues: phase.readerQueues } : {}),
    publishers: phase.publishers,
  };
}

/** p50/p99 of the gateway's frame latency histogram over the window (two /metrics scrapes), ms. */
function addedLatency(startMetrics: string, endMetrics: string): { video: Percentiles; audio: Percentiles } {
  const track = (name: string): Percentiles => {
    const delta = histogramDelta(parseHistogram(startMetrics, LATENCY_METRIC, `track="${name}"`), parseHistogram(endMetrics, LATENCY_METRIC, `track="${name}"`));
    return { p50: histogramQuantile(delta, 0.5) * 1000, p99: histogramQuantile(delta, 0.99) * 1000, count: histogramCount(delta) };
  };
  return { video: track('video'), audio: track('audio') };
}

function samplePercentiles(samples: readonly number[]): Percentiles {
  return { p50: sampleQuantile(samples, 0.5), p99: sampleQuantile(samples, 0.99), count: samples.length };
}
