/** What the harness tells the publishers process to do (argv[2], JSON). */
export interface PublishersConfig {
  /** WCS signalling URL of the system under test. */
  readonly wsUrl: string;
  readonly streamNames: readonly string[];
  readonly h264Path: string;
  readonly opusPath: string;
  /** Publishes negotiated at the same time (DTLS handshakes are CPU-heavy). */
  readonly connectConcurrency: number;
  /** Bound on one publish's negotiation, ms. */
  readonly connectTimeoutMs: number;
  /**
   * Publishers answer ICE checks only from the addresses the server's answer announces, as a NAT in
   * front of them would: behind the impairment relay, the server's own checks to their loopback
   * candidates would otherwise find the direct path around it.
   */
  readonly onlyAnnouncedPaths: boolean;
}

/** Totals of one publishers process, reported when it stops. */
export interface PublishersStats {
  readonly framesSent: number;
  readonly audioPacketsSent: number;
  readonly packetsSent: number;
  /** Video packets sent again (RTX) on the server's NACKs. */
  readonly retransmissionsSent: number;
  /** Packets NACKed that the publishers no longer held (see RTX_HISTORY_PACKETS). */
  readonly retransmissionsUnavailable: number;
  /** Longest the pacer ran behind schedule, ms: large values mean the load generator itself was saturated. */
  readonly maxPacerLagMs: number;
}

/** Messages from the publishers process to the harness (IPC). */
export type PublishersMessage =
  | { readonly kind: 'publishing'; readonly streamName: string }
  | { readonly kind: 'failed'; readonly streamName: string; readonly reason: string }
  /** Every publish was attempted; the ones that succeeded are sending. */
  | { readonly kind: 'ready' }
  | { readonly kind: 'stats'; readonly stats: PublishersStats }
  /** The answer to `lag`: the pacer's longest lag since the previous `lag`, ms. */
  | { readonly kind: 'lag'; readonly maxLagMs: number };

/** Messages from the harness to the publishers process (IPC). */
export type PublishersCommand = { readonly kind: 'stop' } | { readonly kind: 'lag' };
