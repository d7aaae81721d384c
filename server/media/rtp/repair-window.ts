/** How long the receiver waits for a missing packet: `auto` (from the round trip) or a fixed number of ms. */
export type RepairWindowSetting = 'auto' | number;

/** Bounds of the repair window. */
export interface RepairWindowOptions {
  readonly window: RepairWindowSetting;
  /** Shortest automatic window, ms. */
  readonly minMs: number;
  /** Longest automatic window, ms. */
  readonly maxMs: number;
}

/** A round-trip estimate (RFC 6298 SRTT and RTTVAR), ms. */
export interface RoundTrip {
  readonly smoothedMs: number | undefined;
  readonly variationMs: number;
}

/** What the repair does with a gap: how long it waits, and when it asks again. */
export interface RepairTimings {
  /** Longest wait for a missing packet, from the moment its gap is seen, ms. */
  readonly windowMs: number;
  /** Time after a NACK when a packet still missing is asked for again, ms. */
  readonly retryAfterMs: number;
}

/** Least margin over the smoothed round trip before a retransmission is presumed lost, ms (a smooth link has RTTVAR ≈ 0). */
const MIN_MARGIN_MS = 10;
/** Round trip assumed while none is measured yet, ms. */
const UNKNOWN_RTT_MS = 100;
/**
 * Retransmission timeouts in the automatic window: the first NACK and two re-NACKs. With two, a
 * link losing 2 % each way gave up on 1 to 6 of ~700 lost packets per 25 s (NACK and
 * retransmission each lost once more, or late on jitter), each a freeze until the next keyframe.
 */
const ATTEMPTS = 3;

/**
 * The repair window and the re-NACK delay, from the measured round trip and the stream's jitter.
 *
 * A gap is NACKed when it is seen; its retransmission is expected within one retransmission
 * timeout, `timeout = SRTT + max(4·RTTVAR, 10 ms) + 2·jitter` (RFC 6298's RTO without its 1 s
 * floor, plus the spread of packet arrivals). If it has not come by then, the NACK or the
 * retransmission was lost: the packet is asked for again, and that retransmission is expected
 * within another timeout. So the automatic window is three timeouts — one round trip with its
 * jitter margin, and room for two re-NACKs — bounded to [minMs, maxMs]; past it, the frame is given
 * up (and a keyframe asked for). Before any round trip is measured the window is maxMs.
 * A fixed window (`window` a number) is used as it is; re-NACKs keep following the round trip.
 */
export function repairTimings(rtt: RoundTrip, jitterMs: number, options: RepairWindowOptions): RepairTimings {
  const measured = rtt.smoothedMs !== undefined;
  const timeout = (rtt.smoothedMs ?? UNKNOWN_RTT_MS) + Math.max(4 * rtt.variationMs, MIN_MARGIN_MS) + 2 * jitterMs;
  if (options.window !== 'auto') return { windowMs: options.window, retryAfterMs: timeout };
  const windowMs = measured ? Math.min(options.maxMs, Math.max(options.minMs, ATTEMPTS * timeout)) : options.maxMs;
  return { windowMs, retryAfterMs: timeout };
}
