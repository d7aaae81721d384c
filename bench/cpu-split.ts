import type { Profiler } from 'node:inspector';
import { SAMPLING_INTERVAL_US } from './inspector-profiler';

/** Where the gateway process spends its main thread, as fractions of the busy (non-idle) samples; they add up to 1. */
export interface CpuShares {
  /** werift, server/webrtc, server/media/rtp and the codec parsers they call: from UDP datagram to hub frame. */
  readonly receive: number;
  /** The process's own part of the codec path (server/transcode, server/codec, node-av): feeding and reading the codec processes. */
  readonly codecs: number;
  /** server/sinks, server/push, server/rtmp, server/audio: from hub frame to RTMP bytes on the socket. */
  readonly sinks: number;
  /** Everything else: the hub, REST, metrics, signalling, timers, garbage collection, native work outside any script. */
  readonly other: number;
  /** Busy time the profile sampled, ms: how much the shares stand on. */
  readonly sampledMs: number;
}

type Part = 'receive' | 'codecs' | 'sinks' | 'other';

/** node:dgram, the one Node module counted as a script (of the receive path). */
const DGRAM = /^node:(?:internal\/)?dgram$/;
/** Script paths of each part, tried in order on the path of the nearest script frame of a sample. */
const PARTS: ReadonlyArray<readonly [Part, RegExp]> = [
  ['receive', new RegExp(`/node_modules/werift[^/]*/|/server/webrtc/|/server/media/(?:rtp|h264|opus|vp8)/|${DGRAM.source}`)],
  ['codecs', /\/node_modules\/node-av\/|\/server\/transcode\/|\/server\/codec\/|\/server\/media\/(?:aac|pcm|containers)\//],
  ['sinks', /\/server\/(?:sinks|push|rtmp|audio)\//],
];
/** V8's pseudo-frame of a thread waiting for work. */
const IDLE = '(idle)';

/**
 * Splits a V8 CPU profile of the gateway's main thread into receive path, codecs, sinks and other.
 * Each sample is charged to the nearest frame of its stack, leaf first, that belongs to a script
 * file: Node's own modules (`node:net` writes, Buffer work) and V8 builtins count for the project
 * or werift code that called them. `node:dgram` counts as a script of the receive path: its
 * datagram callback is the bottom of every receive stack, and the gateway's only UDP is WebRTC
 * media. Samples with no such frame (garbage collection, `(program)`: libuv and other native work
 * outside JavaScript) are other; idle samples are left out. A sample weighs the time since the
 * previous one, at most one sampling interval: V8 samples on a wall clock, and a longer gap is time
 * the thread did not run (another process had the core), charged otherwise to the call it resumed
 * in, such as the pipe write that woke a codec worker (on 2 busy cores, ~1 sample per write).
 */
export function splitCpuProfile(profile: Profiler.Profile, intervalUs = SAMPLING_INTERVAL_US): CpuShares {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const partOf = new Map<number, Part | undefined>();
  const classify = (id: number): Part | undefined => {
    if (partOf.has(id)) return partOf.get(id);
    const node = nodes.get(id)!;
    if (node.callFrame.functionName === IDLE) {
      partOf.set(id, undefined);
      return undefined;
    }
    const url = node.callFrame.url;
    const parent = parents.get(id);
    let part: Part;
    if (isScript(url)) part = PARTS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'other';
    else part = parent === undefined ? 'other' : (classify(parent) ?? 'other');
    partOf.set(id, part);
    return part;
  };
  const totals: Record<Part, number> = { receive: 0, codecs: 0, sinks: 0, other: 0 };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const part = classify(samples[i]!);
    if (part !== undefined) totals[part] += Math.min(intervalUs, Math.max(0, deltas[i] ?? 0));
  }
  const busy = totals.receive + totals.codecs + totals.sinks + totals.other;
  const share = (part: Part): number => (busy > 0 ? totals[part] / busy : Number.NaN);
  return { receive: share('receive'), codecs: share('codecs'), sinks: share('sinks'), other: share('other'), sampledMs: busy / 1000 };
}

/** A script file (file:// URL or absolute path) or node:dgram, not another Node built-in module (`node:…`) or native code (no URL). */
function isScript(url: string): boolean {
  return url.startsWith('file://') || url.startsWith('/') || DGRAM.test(url);
}
