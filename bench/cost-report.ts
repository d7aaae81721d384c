import type { CostColumn } from './cost-figures';
import { fixed, table } from './text-table';

/** The systems measured at one stream count. */
export interface CostRun {
  readonly gateway: CostColumn;
  readonly baseline?: CostColumn;
}

type Pick = (column: CostColumn) => number | undefined;
interface Row {
  readonly metric: string;
  readonly cell: (column: CostColumn) => string;
  /** Per added stream between two columns of one system; none for figures shown whole. */
  readonly added?: (from: CostColumn, to: CostColumn) => string;
}

/** A figure divided by the streams, and its slope between two counts. */
function perStream(metric: string, pick: Pick, digits: number): Row {
  return {
    metric,
    cell: (c) => value(pick(c), (v) => fixed(v / Math.max(1, c.streams), digits)),
    added: (a, b) => value(pick(a), (va) => value(pick(b), (vb) => fixed((vb - va) / (b.streams - a.streams), digits))),
  };
}

/** A figure of the whole phase. */
function whole(metric: string, pick: Pick, digits: number): Row {
  return { metric, cell: (c) => value(pick(c), (v) => fixed(v, digits)) };
}

function value(v: number | undefined, format: (v: number) => string): string {
  return v === undefined ? 'n/a' : format(v);
}

const ROWS: readonly Row[] = [
  perStream('CPU, % of one core ¹⁷', (c) => c.cpuPercent, 2),
  perStream('  receive path (node) ¹⁸', (c) => c.nodeSplit?.receive, 2),
  perStream('  codecs: child processes ¹⁹', (c) => c.childrenCpuPercent, 2),
  perStream("  codecs: the node process's part ¹⁸", (c) => c.nodeSplit?.codecs, 2),
  perStream('  sinks (node) ¹⁸', (c) => c.nodeSplit?.sinks, 2),
  perStream('  other (node: hub, GC, timers…) ¹⁸', (c) => c.nodeSplit?.other, 2),
  perStream('RSS, MB ²⁰', (c) => c.memory.total.rssMb, 1),
  perStream('  node process', (c) => c.memory.node.rssMb, 1),
  perStream('  child processes', (c) => c.memory.children.rssMb, 1),
  perStream('PSS, MB ²⁰', (c) => c.memory.total.pssMb, 1),
  perStream('  node process', (c) => c.memory.node.pssMb, 1),
  perStream('  child processes', (c) => c.memory.children.pssMb, 1),
  { metric: 'streams delivered / child processes', cell: (c) => `${c.streams} / ${c.childProcesses}` },
  whole('load generator, % of one core (whole) ²¹', (c) => c.publishersCpuPercent, 1),
  { metric: 'load generator: pacer lag max, window / phase, ms ²¹', cell: (c) => `${c.pacerLagMs.window} / ${c.pacerLagMs.phase ?? '?'}` },
];

/**
 * The cost table: per stream at every stream count, the gateway beside the recipe measured in the
 * same run, then per added stream between the first and the last count (the difference of the
 * two totals over the difference of the streams: what one more stream costs, free of the fixed
 * cost a per-stream figure spreads over few streams).
 */
export function formatCostTable(runs: readonly CostRun[]): string {
  const columns = runs.flatMap((run) => [run.gateway, ...(run.baseline ? [run.baseline] : [])]);
  const first = runs[0]!;
  const last = runs.at(-1)!;
  const pairs: Array<readonly [CostColumn, CostColumn]> = runs.length < 2 ? [] : [
    [first.gateway, last.gateway],
    ...(first.baseline && last.baseline ? [[first.baseline, last.baseline] as const] : []),
  ];
  const header = ['cost per stream', ...columns.map((c) => `${c.label} ${c.streams}`), ...pairs.map(([a, b]) => `${a.label} per added stream ${a.streams}→${b.streams}`)];
  const rows = ROWS.map((row) => [row.metric, ...columns.map(row.cell), ...pairs.map(([a, b]) => row.added?.(a, b) ?? '')]);
  return table([header, ...rows]);
}

/** What the cost table's footnotes say. */
export function costFootnotes(splitSeconds: number): string[] {
  return [
    '¹⁷ CPU time (utime + stime from /proc) of the server process and of its child processes over the window, per stream at each count; "per added stream": (total at the last count − total at the first) ÷ (streams between them). Each count is its own load phase with its own server.',
    `¹⁸ the gateway's node process, its unprofiled CPU shared out by the fractions of a CPU profile taken in a ${splitSeconds} s window of its own right after (V8 sampling profiler over the inspector, 1 ms, main thread only; the profile costs CPU, so it does not measure the total): each sample goes to the nearest script frame of its stack, leaf first, so Node's socket and Buffer work counts for the code that called it, and weighs at most one interval (a longer gap is time the thread was not running, not CPU). Receive path: werift, server/webrtc, server/media/rtp, h264, opus; codecs: server/transcode, server/codec, node-av, server/media/aac, pcm, containers; sinks: server/sinks, push, rtmp, audio; other: the rest (hub, REST, metrics, timers), garbage collection and native work outside any script (libuv reading the sockets). The baseline's node process only receives (werift, then each RTP packet re-sent to its ffmpeg over loopback UDP): all of it is its receive path.`,
    "¹⁹ the server's child processes, found through /proc as descendants of its pid: the gateway's codec workers (Opus→AAC for every stream, a few processes that serve many streams each); the baseline's ffmpegs, which also push, so they hold its sinks too.",
    '²⁰ resident (RSS) and proportional (PSS: shared pages split between the processes that map them, from /proc/<pid>/smaps_rollup) memory at the end of the window minus before any publisher, node process and child processes.',
    '²¹ the publishers process (werift, SRTP, pacing) over the same window, whole: it shares the box\'s cores with the server; when it and the server together need more than the box has, the server\'s figures include waiting and the pacer lags. Lag: the longest its pacer ran behind during the window, and during the whole phase, whose connections (DTLS handshakes) stall the publishers already sending.',
  ];
}
