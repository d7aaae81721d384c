/**
 * The fields of an RTP packet the depacketizers read. werift's RtpPacket maps onto it as
 * `{ sequenceNumber: p.header.sequenceNumber, timestamp: p.header.timestamp, marker: p.header.marker,
 *    payload: p.payload, receivedAt: performance.now() }`.
 */
export interface RtpPacketView {
  /** 16-bit RTP sequence number (wraps at 65536). */
  readonly sequenceNumber: number;
  /** 32-bit RTP timestamp in the clock of the payload format (90 kHz for video, 48 kHz for Opus). */
  readonly timestamp: number;
  /** RTP marker bit: last packet of a video frame. */
  readonly marker: boolean;
  /** RTP payload, without header, header extensions or padding. */
  readonly payload: Buffer;
  /** Arrival time on the caller's monotonic clock (e.g. performance.now()), ms. */
  readonly receivedAt: number;
}

/** "These many sequence numbers will never arrive": the packets in between are lost. */
export interface RtpLoss {
  readonly kind: 'loss';
  /** Number of missing sequence numbers; 0 when the sequence restarted and the count is unknown. */
  readonly count: number;
}

/** A packet delivered in sequence order. */
export interface RtpInOrderPacket {
  readonly kind: 'packet';
  readonly packet: RtpPacketView;
}

/** What a reorder buffer hands to a depacketizer: packets in order, with explicit gaps. */
export type RtpStreamItem = RtpInOrderPacket | RtpLoss;
