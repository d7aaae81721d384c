import type { CpuShares } from './cpu-split';
import { cpuPercent } from './figures';
import type { LoadPhaseResult } from './load-phase';
import type { ProcessUsage } from './process-usage';

/** Memory one part of a system added under load (end of the window − before any publisher), MB. */
export interface AddedMemory {
  readonly rssMb: number;
  readonly pssMb: number;
}

/** What one system cost at one stream count, whole (not per stream): a column of the cost table. */
export interface CostColumn {
  readonly label: string;
  /** Streams that delivered video to the sink. */
  readonly streams: number;
  /** Publishes or pushes that failed, with the reason. */
  readonly failures: readonly string[];
  /** Server and children over the window, % of one core. */
  readonly cpuPercent: number;
  /** The server process (Node), % of one core. */
  readonly nodeCpuPercent: number;
  /** Its child processes (ffmpeg, codec workers: whatever it spawned), % of one core. */
  readonly childrenCpuPercent: number;
  /** The server process's CPU split by a profiled window (cpu-split.ts), % of one core each; undefined when not profiled. */
  readonly nodeSplit?: { readonly receive: number; readonly codecs: number; readonly sinks: number; readonly other: number; readonly sampledMs: number };
  readonly memory: { readonly total: AddedMemory; readonly node: AddedMemory; readonly children: AddedMemory };
  /** Child processes at the end of the window. */
  readonly childProcesses: number;
  /** The load generator's process over the window, % of one core. */
  readonly publishersCpuPercent: number;
  /** The load generator's pacer: its longest lag during the window, and during the whole phase (connections included), ms. */
  readonly pacerLagMs: { readonly window: number; readonly phase: number | undefined };
}

const MB = 1024 * 1024;

/** The baseline's node process receives and nothing else (werift, then each RTP packet re-sent to its ffmpeg). */
export const RECEIVE_ONLY: CpuShares = { receive: 1, codecs: 0, sinks: 0, other: 0, sampledMs: 0 };

/** The cost table's column of one load phase; `label` names the system, `shares` split its node process (default: the phase's profiled window). */
export function costColumn(label: string, phase: LoadPhaseResult<unknown>, shares = phase.cpuShares): CostColumn {
  const { idle, start, end } = phase.usage;
  const cpu = cpuPercent(start, end);
  const node = added([end.root], [idle.root]);
  const children = added(end.descendants, idle.descendants);
  return {
    label,
    streams: phase.streams,
    failures: phase.failures,
    cpuPercent: cpu.total,
    nodeCpuPercent: cpu.root,
    childrenCpuPercent: cpu.descendants,
    ...(shares ? { nodeSplit: split(cpu.root, shares) } : {}),
    memory: { total: { rssMb: node.rssMb + children.rssMb, pssMb: node.pssMb + children.pssMb }, node, children },
    childProcesses: end.descendants.length,
    publishersCpuPercent: phase.publishersCpuPercent,
    pacerLagMs: { window: phase.publishersWindowLagMs, phase: phase.publishers?.maxPacerLagMs },
  };
}

/** The unprofiled CPU of the process shared out by the profiled window's fractions. */
function split(nodeCpuPercent: number, shares: CpuShares): NonNullable<CostColumn['nodeSplit']> {
  return {
    receive: nodeCpuPercent * shares.receive,
    codecs: nodeCpuPercent * shares.codecs,
    sinks: nodeCpuPercent * shares.sinks,
    other: nodeCpuPercent * shares.other,
    sampledMs: shares.sampledMs,
  };
}

function added(now: readonly ProcessUsage[], before: readonly ProcessUsage[]): AddedMemory {
  const sum = (usages: readonly ProcessUsage[], key: 'rssBytes' | 'pssBytes'): number => usages.reduce((total, u) => total + u[key], 0);
  return { rssMb: (sum(now, 'rssBytes') - sum(before, 'rssBytes')) / MB, pssMb: (sum(now, 'pssBytes') - sum(before, 'pssBytes')) / MB };
}
