/**
 * How well a publisher's video arrives, as its ingest measures it (WebRTC publishers): counters
 * since the publish started, and the current estimates. Shown by the REST API and the metrics.
 */
export interface IngestQuality {
  /** Video RTP packets received from the network (retransmissions not included). */
  readonly packetsReceived: number;
  /** Video packets given up on: neither arrived nor repaired within the repair window. */
  readonly packetsLost: number;
  /** RTCP generic NACK messages sent. */
  readonly nacksSent: number;
  /** Retransmissions (RTX) that repaired a missing packet. */
  readonly retransmissionsReceived: number;
  /** Packets dropped because the same one was already waiting. */
  readonly duplicatePackets: number;
  /** Packets (retransmissions included) that came after their slot was delivered or given up. */
  readonly latePackets: number;
  /** Video frames dropped: damaged by a loss, unusable, or depending on one that was (until the next keyframe). */
  readonly framesDropped: number;
  /** Keyframes asked for (RTCP PLI). */
  readonly keyframesRequested: number;
  /** Smoothed round-trip time to the publisher, ms; null while unknown. */
  readonly rttMs: number | null;
  /** RFC 3550 interarrival jitter of the video, ms. */
  readonly jitterMs: number;
  /** How long a missing packet is waited for now, ms. */
  readonly repairWindowMs: number;
}
