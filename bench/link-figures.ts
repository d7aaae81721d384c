import type { RelayStats } from './impairment-relay';
import { ingestDelta, type IngestTotals } from './ingest-quality';
import type { LoadPhaseResult } from './load-phase';
import type { PublishersStats } from './publisher-messages';

/** The impairment relay at one end of a window. */
export interface RelayReading {
  readonly stats: RelayStats;
  /** The bench process's event loop (the relay's, and the sink's) since the previous reading, ms. */
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
}

/** What the relay did during the window, both directions together. */
export interface RelayWindow {
  readonly forwarded: number;
  /** Lost on purpose: the profile's random loss. */
  readonly droppedByLoss: number;
  /** Dropped because a queue or the client bound was full: 0 when the relay kept up. */
  readonly droppedByBound: number;
  /** Refused by the relay's sockets. */
  readonly sendFailed: number;
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
}

/** One column of the lossy-link table: a gateway's streams over one link. */
export interface LinkFigures {
  /** `clean`, or the profile and the repair window (`rtt100Jitter20Loss2 auto`). */
  readonly label: string;
  readonly streams: number;
  readonly failures: readonly string[];
  readonly windowSeconds: number;
  /** Video frames that reached the sink during the window. */
  readonly videoFramesDelivered: number;
  /** Those and the ones missing between them (the markers' sequence numbers): what the publishers sent. */
  readonly videoFramesSent: number;
  readonly lostVideoFrames: number;
  /** The longest freeze of any stream, by RTMP timestamp, ms. */
  readonly longestFreezeMs: number;
  /** Freezes longer than FREEZE_THRESHOLD_MS, all streams. */
  readonly freezes: number;
  /** The gateway's repair during the window (find_all at both ends). */
  readonly ingest: IngestTotals;
  /** Undefined without a relay (the clean load phase). */
  readonly relay?: RelayWindow;
  readonly publishers: PublishersStats | undefined;
}

/** A load phase's figures for the lossy-link table; its probes hold find_all's totals, and the relay's counters when there was one. */
export function linkFigures(label: string, phase: LoadPhaseResult<{ readonly ingest: IngestTotals; readonly relay?: RelayReading }>): LinkFigures {
  const probes = phase.probes;
  if (!probes) throw new Error(`${label}: the phase read no find_all totals`);
  const windows = phase.windows;
  const sum = (pick: (w: (typeof windows)[number]) => number): number => windows.reduce((total, w) => total + pick(w), 0);
  const delivered = sum((w) => w.videoFrames);
  const lost = sum((w) => w.lostVideoFrames);
  const { start, end } = probes;
  return {
    label,
    streams: phase.streams,
    failures: phase.failures,
    windowSeconds: (phase.usage.end.atMs - phase.usage.start.atMs) / 1000,
    videoFramesDelivered: delivered,
    videoFramesSent: delivered + lost,
    lostVideoFrames: lost,
    longestFreezeMs: Math.max(0, ...windows.map((w) => w.longestFreezeMs)),
    freezes: sum((w) => w.freezes),
    ingest: ingestDelta(start.ingest, end.ingest),
    ...(start.relay && end.relay ? { relay: relayWindow(start.relay.stats, end.relay) } : {}),
    publishers: phase.publishers,
  };
}

function relayWindow(start: RelayStats, end: RelayReading): RelayWindow {
  const both = (stats: RelayStats, pick: (c: RelayStats['toTarget']) => number): number => pick(stats.toTarget) + pick(stats.toClient);
  const delta = (pick: (c: RelayStats['toTarget']) => number): number => both(end.stats, pick) - both(start, pick);
  return {
    forwarded: delta((c) => c.forwarded),
    droppedByLoss: delta((c) => c.droppedByLoss),
    droppedByBound: delta((c) => c.droppedByBound),
    sendFailed: delta((c) => c.sendFailed),
    eventLoopDelayMs: end.eventLoopDelayMs,
  };
}

/** The lossy-link phases of a run, with the clean run they are compared to. */
export interface LinkResult {
  /** The relay's profile (a RELAY_PROFILES name). */
  readonly profile: string;
  /** What counts as a freeze, ms (FREEZE_THRESHOLD_MS). */
  readonly freezeThresholdMs: number;
  /** The clean run first, then one column per repair window. */
  readonly columns: readonly LinkFigures[];
}
