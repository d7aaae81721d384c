import type { SystemUnderTest } from './system-under-test';

/** The gateway's receive quality of its WebRTC publishers' video, summed over them (`quality` of `/rest-api/stream/find_all`). */
export interface IngestTotals {
  /** Publishers that showed a quality. */
  readonly publishers: number;
  /** Packets given up on: neither arrived nor repaired within the repair window. */
  readonly packetsLost: number;
  /** RTCP generic NACK messages sent. */
  readonly nacksSent: number;
  /** Retransmissions (RTX) that repaired a missing packet. */
  readonly retransmissionsReceived: number;
  /** Frames dropped: damaged by a loss, or depending on one that was (until the next keyframe). */
  readonly framesDropped: number;
  /** Keyframes asked for (PLI). */
  readonly keyframesRequested: number;
  /** The gateway's round-trip estimate, mean over the publishers that have one, ms (NaN with none). */
  readonly meanRttMs: number;
}

/** Thrown when find_all does not answer as the gateway's API does. */
export class IngestQualityError extends Error {
  readonly code = 'INGEST_QUALITY';
}

type Counter = Exclude<keyof IngestTotals, 'publishers' | 'meanRttMs'>;
const COUNTERS: readonly Counter[] = ['packetsLost', 'nacksSent', 'retransmissionsReceived', 'framesDropped', 'keyframesRequested'];

/** Reads every published stream through `find_all` (a 404 means none) and sums the WebRTC publishers' quality counters. */
export async function readIngestTotals(system: SystemUnderTest): Promise<IngestTotals> {
  const response = await fetch(`${system.httpUrl}/rest-api/stream/find_all`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (response.status === 404) return sumQualities([]);
  if (!response.ok || !Array.isArray(body)) throw new IngestQualityError(`${system.server.label}: stream/find_all → ${response.status}`);
  const qualities = (body as Array<{ quality?: Record<Counter, number> & { rttMs: number | null } }>).flatMap((s) => (s.quality ? [s.quality] : []));
  return sumQualities(qualities);
}

/** What happened between two readings: counters subtracted, the end's publishers and round trip. */
export function ingestDelta(start: IngestTotals, end: IngestTotals): IngestTotals {
  const counters = Object.fromEntries(COUNTERS.map((key) => [key, end[key] - start[key]])) as Record<Counter, number>;
  return { ...counters, publishers: end.publishers, meanRttMs: end.meanRttMs };
}

function sumQualities(qualities: ReadonlyArray<Record<Counter, number> & { rttMs: number | null }>): IngestTotals {
  const counters = Object.fromEntries(COUNTERS.map((key) => [key, qualities.reduce((sum, q) => sum + q[key], 0)])) as Record<Counter, number>;
  const rtts = qualities.flatMap((q) => (q.rttMs === null ? [] : [q.rttMs]));
  return { ...counters, publishers: qualities.length, meanRttMs: rtts.length > 0 ? rtts.reduce((a, b) => a + b, 0) / rtts.length : Number.NaN };
}
