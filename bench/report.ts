import { writeFile } from 'node:fs/promises';
import type { BeamFigures } from './beam-phase';
import type { BenchOptions } from './cli-options';
import { CLIP_FPS } from './clip';
import { costFootnotes, formatCostTable, type CostRun } from './cost-report';
import { KEEP_UP_SHARE, type FanoutLevel, type FanoutResult } from './fanout-phase';
import type { Percentiles, SystemFigures } from './figures';
import type { LinkResult } from './link-figures';
import { formatLinkTable } from './link-report';
import type { MachineInfo } from './machine';
import type { ReaderQueues } from './reader-queues';
import type { SaturationResult } from './saturation-phase';
import { formatSaturation } from './saturation-report';
import { fixed, table } from './text-table';

/** Everything one bench run measured. */
export interface BenchResult {
  readonly startedAt: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  /** The main table: the load phases at the first stream count. */
  readonly gateway: SystemFigures;
  readonly baseline?: SystemFigures;
  /** The cost table: the load phases at every stream count. */
  readonly costs: readonly CostRun[];
  readonly fanout?: FanoutResult;
  /** The same fan-out with MPEG-TS over UDP targets. */
  readonly fanoutMpegts?: FanoutResult;
  /** The same fan-out to recordings (MP4 files). */
  readonly fanoutRecording?: FanoutResult;
  /** The same fan-out to WHEP viewers. */
  readonly fanoutWhep?: FanoutResult;
  /** One page captured (a beam). */
  readonly beam?: BeamFigures;
  readonly saturation?: SaturationResult;
  readonly link?: LinkResult;
}

/** The targets (reported, never asserted). */
export const TARGETS = {
  /** CPU per 2.5 Mbit/s WebRTC stream (H.264 passthrough + Opus→AAC), % of one core (issue 12). */
  cpuPercentPerStream: 1.5,
  /** Our CPU at least this many times below the baseline's in the same run (issue 12). */
  timesBelowBaseline: 4,
  rssMbPerStream: 5,
  /** Added video latency p50, ms. */
  addedVideoLatencyP50Ms: 5,
  /** Startup → first frame, ms. */
  firstFrameMs: 1000,
  /** Longest keyframe gap the targets accept, ms (the gateway's keyframe_interval). */
  keyframeGapMs: 2000,
  /** CPU of each extra push target, % of one core. */
  extraTargetCpuPercent: 0.1,
} as const;

type Row = [metric: string, gateway: string, baseline: string, versus: string, target: string, status: string];
type AddRow = (metric: string, ours: string, theirs: string, versus?: string, target?: string, status?: string) => void;

/** The report: a header with the machine and the command, the main table and its footnotes, the cost table, the saturation table, then the lossy-link table, each with its own. */
export function formatReport(result: BenchResult): string {
  const { gateway: g, baseline: b, machine: m, options } = result;
  const rows: Row[] = [['metric', 'gateway', 'baseline', 'gateway vs baseline', 'target', 'status']];
  const add: AddRow = (metric, ours, theirs, versus = '', target = '', status = '') => {
    rows.push([metric, ours, theirs, versus, target, status]);
  };
  const baselineText = (pick: (f: SystemFigures) => string): string => (b ? pick(b) : 'not run');
  const ratio = b ? g.cpuPercentPerStream / b.cpuPercentPerStream : Number.NaN;

  add('streams pushed', String(g.streams), baselineText((f) => String(f.streams)));
  add('CPU per stream, % of one core ¹', fixed(g.cpuPercentPerStream, 2), baselineText((f) => fixed(f.cpuPercentPerStream, 2)),
    b ? `${fixed(ratio, 2)} (${fixed(1 / ratio, 1)}× less)` : '', `≤ ${TARGETS.cpuPercentPerStream}; ≥ ${TARGETS.timesBelowBaseline}× less`,
    [atMost(g.cpuPercentPerStream, TARGETS.cpuPercentPerStream), b ? timesLess(1 / ratio, TARGETS.timesBelowBaseline) : ''].filter(Boolean).join('; '));
  add('  node process', fixed(g.processCpuPercentPerStream, 2), baselineText((f) => fixed(f.processCpuPercentPerStream, 2)));
  add('  child processes (codec workers / ffmpeg)', fixed(g.childrenCpuPercentPerStream, 2), baselineText((f) => fixed(f.childrenCpuPercentPerStream, 2)));
  add('RSS per stream, MB (PSS) ²', `${fixed(g.rssMbPerStream, 1)} (${fixed(g.pssMbPerStream, 1)})`, baselineText((f) => `${fixed(f.rssMbPerStream, 1)} (${fixed(f.pssMbPerStream, 1)})`),
    '', `≤ ${TARGETS.rssMbPerStream}`, atMost(g.rssMbPerStream, TARGETS.rssMbPerStream));
  add('  node process / child processes, RSS MB', `${fixed(g.processRssMbPerStream, 1)} / ${fixed(g.childrenRssMbPerStream, 1)}`, baselineText((f) => `${fixed(f.processRssMbPerStream, 1)} / ${fixed(f.childrenRssMbPerStream, 1)}`));
  if (g.addedLatencyMs) {
    add('added latency video p50 / p99, ms ³', pair(g.addedLatencyMs.video), 'n/a', '', `p50 ≤ ${TARGETS.addedVideoLatencyP50Ms}`, atMost(g.addedLatencyMs.video.p50, TARGETS.addedVideoLatencyP50Ms));
    add('added latency audio p50 / p99, ms ³', pair(g.addedLatencyMs.audio), 'n/a');
  }
  add('end-to-end video p50 / p99, ms ⁴', pair(g.endToEndLatencyMs.video), baselineText((f) => pair(f.endToEndLatencyMs.video)),
    b ? `p50 −${fixed(b.endToEndLatencyMs.video.p50 - g.endToEndLatencyMs.video.p50, 0)} ms` : '');
  add('end-to-end audio p50 / p99, ms ⁵', pair(g.endToEndLatencyMs.audio), baselineText((f) => pair(f.endToEndLatencyMs.audio)));
  add('startup → first frame p50 / max, ms ⁶', `${fixed(g.startupMs.p50, 0)} / ${fixed(g.startupMs.max, 0)}`, baselineText((f) => `${fixed(f.startupMs.p50, 0)} / ${fixed(f.startupMs.max, 0)}`),
    b ? `${fixed(b.startupMs.p50 / g.startupMs.p50, 1)}× faster` : '', `≤ ${TARGETS.firstFrameMs}`, atMost(g.startupMs.max, TARGETS.firstFrameMs));
  add('longest keyframe gap, ms', fixed(g.maxKeyframeGapMs, 0), baselineText((f) => fixed(f.maxKeyframeGapMs, 0)), '', `≤ ${TARGETS.keyframeGapMs}`, atMost(g.maxKeyframeGapMs, TARGETS.keyframeGapMs));
  add('frames lost video / audio ⁷', `${g.lostVideoFrames} / ${g.lostAudioFrames}`, baselineText((f) => `${f.lostVideoFrames} / ${f.lostAudioFrames}`),
    '', '0', atMost(g.lostVideoFrames + g.lostAudioFrames, 0));
  const queuesText = (f: SystemFigures, pick: (q: ReaderQueues) => string): string => (f.readerQueues ? pick(f.readerQueues) : 'n/a');
  add('reader queues: frames dropped, total / max per push ⁸', queuesText(g, (q) => `${q.droppedFrames} / ${q.maxDroppedFramesPerPush}`), baselineText(() => 'n/a'));
  add('reader queues: frames queued, max ⁸', queuesText(g, (q) => String(q.maxQueuedFrames)), baselineText(() => 'n/a'));
  const fanouts: Array<[string, FanoutResult | undefined]> = [['RTMP', result.fanout], ['MPEG-TS over UDP', result.fanoutMpegts], ['recordings (MP4)', result.fanoutRecording]];
  for (const [protocol, fanout] of fanouts) {
    if (!fanout) continue;
    const levels = fanout.levels;
    const perLevel = (pick: (level: FanoutLevel) => string): string => levels.map(pick).join(' / ');
    const lostVideo = levels.reduce((sum, l) => sum + l.lostVideoFrames, 0);
    const lostAudio = levels.reduce((sum, l) => sum + l.lostAudioFrames, 0);
    add(`fan-out to ${protocol}: CPU per extra target, % of one core ⁹`, fixed(fanout.marginalCpuPercentPerTarget, 3), 'n/a', '', `≤ ${TARGETS.extraTargetCpuPercent}`, slopeVerdict(fanout.marginalCpuPercentPerTarget, TARGETS.extraTargetCpuPercent));
    add(`  node process at ${perLevel((l) => String(l.targets))} targets, %`, perLevel((l) => fixed(l.processCpuPercent, 2)), '');
    add('    of which kernel (system time), %', perLevel((l) => fixed(l.processSystemCpuPercent, 2)), '');
    if (fanout === result.fanoutRecording) add('  frames lost video / audio, all windows ⁷', 'not read back', '');
    else add('  frames lost video / audio, all windows ⁷', `${lostVideo} / ${lostAudio}`, '', '', '0', atMost(lostVideo + lostAudio, 0));
    add('  frames dropped per level, total (max per push) ⁸', perLevel((l) => `${l.readerQueues.droppedFrames} (${l.readerQueues.maxDroppedFramesPerPush})`), '');
    add('  frames queued per level, max ⁸', perLevel((l) => String(l.readerQueues.maxQueuedFrames)), '');
  }
  if (result.fanoutWhep) addWhepRows(add, result.fanoutWhep);
  if (result.beam) {
    const b = result.beam;
    add(`beam: a page at ${b.width}×${b.height}, CPU, % of one core ²³`, fixed(b.gatewayCpuPercent + b.childrenCpuPercent, 1), 'n/a');
    add('  gateway node process / its children (Chromium, Xvfb, PulseAudio, codec workers), %', `${fixed(b.gatewayCpuPercent, 1)} / ${fixed(b.childrenCpuPercent, 1)}`, '');
    add('  memory added, RSS (PSS), MB ²³', `${fixed(b.rssMb, 0)} (${fixed(b.pssMb, 0)})`, '');
    add('  video at the sink, fps', fixed(b.fps, 1), '');
  }
  add('load generator: pacer lag max, ms ¹⁰', String(g.publishers?.maxPacerLagMs ?? '?'), baselineText((f) => String(f.publishers?.maxPacerLagMs ?? '?')));

  const title = `WebRTC→RTMP gateway bench: ${g.streams} streams of 720p30 H.264 ≈2.5 Mbit/s + Opus, ${fixed(g.windowSeconds, 0)} s window after ${options.warmupSeconds} s warm-up`;
  const machine = `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.kernel}, node ${m.node}, ${m.ffmpeg}; load average at start ${m.loadAverage}`;
  const failures = result.costs.flatMap((run, i) => [run.gateway, ...(run.baseline ? [run.baseline] : [])].flatMap((c) => c.failures.map((f) => `${c.label} at ${options.streams[i]} streams: ${f}`)));
  const cost = ['', `cost per stream at ${options.streams.join(' and ')} streams, the same publishers and window as above:`, '', formatCostTable(result.costs), '', ...costFootnotes(options.splitSeconds)];
  const saturation = result.saturation
    ? ['', formatSaturation(result.saturation, { settings: options.saturationSettings, cores: m.cpus, seconds: options.saturationSeconds, warmupSeconds: options.warmupSeconds })]
    : [];
  const link = result.link ? ['', formatLinkTable(result.link, { streams: options.linkStreams, seconds: options.linkSeconds, warmupSeconds: options.warmupSeconds })] : [];
  return [title, machine, `command: ${result.command}`, '', table(rows), '', ...FOOTNOTES, ...cost, ...(failures.length ? ['', 'failures:', ...failures.map((f) => `  ${f}`)] : []), ...saturation, ...link].join('\n');
}

/** The fan-out to WHEP viewers: the cost of each extra viewer (no target: the issue asks for the figure), and whether every viewer kept up. */
function addWhepRows(add: AddRow, whep: FanoutResult): void {
  const levels = whep.levels;
  const perLevel = (pick: (level: FanoutLevel) => string): string => levels.map(pick).join(' / ');
  const lostVideo = levels.reduce((sum, l) => sum + l.lostVideoFrames, 0);
  const lostAudio = levels.reduce((sum, l) => sum + l.lostAudioFrames, 0);
  const laggards = levels.reduce((most, l) => Math.max(most, l.laggards), 0);
  add('fan-out to WHEP viewers: CPU per extra viewer, % of one core ²⁴', fixed(whep.marginalCpuPercentPerTarget, 3), 'n/a', '', '', whep.marginalCpuPercentPerTarget < 0 ? 'inconclusive (below 0: noise)' : '');
  add(`  node process at ${perLevel((l) => String(l.targets))} viewers, %`, perLevel((l) => fixed(l.processCpuPercent, 2)), '');
  add('    of which kernel (system time), %', perLevel((l) => fixed(l.processSystemCpuPercent, 2)), '');
  add('  codec workers (the stream\'s AAC→Opus, once), %', perLevel((l) => fixed(l.childrenCpuPercent, 2)), '');
  add(`  viewers behind (< ${KEEP_UP_SHARE * 100} % of ${CLIP_FPS} fps in a window), most at once`, perLevel((l) => String(l.laggards)), '', '', '0', atMost(laggards, 0));
  add('  slowest viewer, fps', perLevel((l) => fixed(l.slowestVideoFps, 1)), '');
  add('  frames lost video / audio, all windows ²⁴', `${lostVideo} / ${lostAudio}`, '', '', '0', atMost(lostVideo + lostAudio, 0));
}

/** Writes the result as JSON (NaN and Infinity become null). */
export async function writeReportJson(result: BenchResult, file: string): Promise<void> {
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

const FOOTNOTES = [
  '¹ CPU time (utime + stime from /proc) of the server process and its children over the window ÷ window ÷ streams. The gateway\'s children are its codec workers (Opus→AAC, at most one per core, part of "our cost"); the baseline\'s are its ffmpeg pushes.',
  '² (RSS at the end of the window − RSS before any publisher) ÷ streams, server and children together; PSS splits shared pages between processes.',
  '³ gateway_frame_latency_seconds from /metrics over the window: first RTP packet of a frame received → its RTMP message written to the socket; percentiles interpolated inside the histogram buckets (0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15 … 100, 150, 200, 300 ms). Audio includes the Opus→AAC transcode, its 60 ms input batches (opus_to_aac_batch) and the wait for the next video frame (≤ 40 ms) that lets both leave in one write. The baseline has no such probe.',
  '⁴ publisher send → sink arrival of each frame, from an SEI marker the publishers put in every access unit: includes werift sending, loopback UDP, the system, loopback TCP and the sink.',
  '⁵ estimated: AAC tag arrival − send time of the same media time, mapped through the latest video marker (assumes the output keeps A/V sync; includes the AAC encoder delay).',
  '⁶ POST /rest-api/push/startup → first video frame at the sink. The clip has a keyframe every second; the gateway replays its cached GOP, the baseline\'s ffmpeg must probe the RTP first.',
  '⁷ video: frames missing between the first and the last received (marker sequence numbers); audio: gaps in the AAC timestamps.',
  '⁸ the pushes\' reader queues, from /rest-api/push/find_all at the end of each window: droppedFrames (frames a push\'s queue dropped, whole GOPs, because its target was too slow; counted since the push started, so start-up and warm-up count too), summed over the pushes and the most of one push; queuedFrames, the longest queue at that moment. The baseline has no such queues. Fan-out: the worst window at each level.',
  '⁹ the same gateway in another process (bench/fanout-server.ts) with the clip published straight into its hub, paced in real time: the H.264 above and an AAC of the same tone (≈2.5 Mbit/s in all), no WebRTC receive path, no transcoder, so only the pushes change from level to level. Its stream is pushed through /rest-api/push/startup to more and more targets (RTMP: one application of a counting RTMP server each; MPEG-TS: one UDP socket each, paced by the push, its PES read back into the same tally; recordings: /rest-api/recorder/startup with an id each, fragmented MP4 files on the local disk, not read back), then back down, each level measured on the way up and down: least-squares slope of the node process\'s CPU (utime + stime from /proc) over the number of targets.',
  '¹⁰ the publishers run in their own process; a large lag means the load generator itself was saturated and the other figures are pessimistic.',
  '²³ a gateway of its own captures a test page (bench/meeting-page.ts: a frame counter, a flash and a 440 Hz beep each second) through 100ms\'s beam API and pushes it to the counting sink: CPU (utime + stime) of its node process and of its children (headful Chromium with the capture script, Xvfb, PulseAudio, the codec workers) over the window; memory: RSS and PSS of that process tree at the end of the window minus before the beam.',
  `²⁴ the same fan-out server and levels, its stream played by werift WHEP viewers in a process of their own (bench/whep-viewers.ts): each POSTs a recvonly H.264 + Opus offer to /whep/<name>, applies the answer and counts the RTP it receives (nothing is decoded); the gateway transcodes the stream's AAC to Opus once for all its viewers. CPU per extra viewer: the slope of the node process's CPU, as in ⁹. A viewer is behind when it received fewer whole video frames (marker bit, distinct timestamps) in a window than ${KEEP_UP_SHARE * 100} % of the clip's frame rate × the window; frames lost: video frames missing or incomplete (RTP sequence gaps, timestamp steps of more than one frame), Opus packets missing. DELETE on its resource ends each viewer on the way down.`,
];

function pair(p: Percentiles): string {
  return `${milliseconds(p.p50)} / ${milliseconds(p.p99)}`;
}

/** One decimal below 10 ms, whole milliseconds above. */
function milliseconds(value: number): string {
  return fixed(value, Math.abs(value) < 10 ? 1 : 0);
}

function atMost(value: number, limit: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value <= limit) return 'pass';
  return limit === 0 ? `MISS (${value})` : `MISS (${fixed(value / limit, 1)}× over)`;
}

/** A slope below zero cannot be a cost: the run's noise outweighed the targets' work. */
function slopeVerdict(slope: number, limit: number): string {
  return slope < 0 ? 'inconclusive (below 0: noise)' : atMost(slope, limit);
}

function timesLess(times: number, wanted: number): string {
  if (!Number.isFinite(times)) return 'n/a';
  return times >= wanted ? 'pass' : `MISS (${fixed(times, 1)}× < ${wanted}×)`;
}
