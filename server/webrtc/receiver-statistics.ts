import { seqDistance } from '../media/rtp/sequence-number';

/**
 * The fields of werift 0.25.2's StreamStatistics (one per received SSRC; its receiver reports
 * and getStats read them) that `add` updates.
 */
export interface WeriftStreamStatistics {
  base_seq: number | undefined;
  max_seq: number | undefined;
  cycles: number;
  packets_received: number;
  bytesReceived: number;
  headerBytesReceived: number;
  lastPacketReceivedTimestamp: number;
  readonly clockRate: number;
  jitter_q4: number;
  last_arrival: number | undefined;
  last_timestamp: number | undefined;
}

/** True when `stats` has the fields countReceivedPacket updates, as werift 0.25.2 makes them. */
export function isWeriftStreamStatistics(stats: object): stats is WeriftStreamStatistics {
  const fields = stats as Partial<Record<keyof WeriftStreamStatistics, unknown>>;
  return typeof fields.clockRate === 'number' && typeof fields.jitter_q4 === 'number' && typeof fields.cycles === 'number'
    && typeof fields.packets_received === 'number' && typeof fields.bytesReceived === 'number' && typeof fields.headerBytesReceived === 'number';
}

/**
 * What werift's StreamStatistics.add does for one received packet, with the same arithmetic, minus
 * its per-packet costs: werift reads two clocks and makes the arrival time an integer with
 * Number.parseInt, a number-to-string conversion, on every packet. `nowMs`: wall-clock ms
 * (`performance.timeOrigin + performance.now()`, werift's stats timestamp; its arrival clock is
 * Date.now(), the same time).
 */
export function countReceivedPacket(stats: WeriftStreamStatistics, sequenceNumber: number, timestamp: number, payloadBytes: number, headerBytes: number, nowMs: number): void {
  const inOrder = stats.max_seq === undefined || seqDistance(stats.max_seq, sequenceNumber) > 0;
  stats.packets_received++;
  stats.bytesReceived += payloadBytes;
  stats.headerBytesReceived += headerBytes;
  stats.lastPacketReceivedTimestamp = nowMs;
  if (stats.base_seq === undefined) stats.base_seq = sequenceNumber;
  if (!inOrder) return;
  const arrival = Math.trunc((nowMs / 1000) * stats.clockRate);
  if (stats.max_seq !== undefined && sequenceNumber < stats.max_seq) stats.cycles += 1 << 16;
  stats.max_seq = sequenceNumber;
  if (timestamp !== stats.last_timestamp && stats.packets_received > 1) {
    // RFC 3550 A.8 interarrival jitter, in werift's Q4 fixed point.
    const diff = Math.abs(arrival - (stats.last_arrival ?? 0) - (timestamp - (stats.last_timestamp ?? 0)));
    stats.jitter_q4 += diff - ((stats.jitter_q4 + 8) >> 4);
  }
  stats.last_arrival = arrival;
  stats.last_timestamp = timestamp;
}
