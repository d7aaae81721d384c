/**
 * What the ingests read of a received RTP packet. werift's RtpPacket has this shape, and so has
 * the media fast path's reused view: a receiver keeps the payload, never the object itself.
 */
export interface ReceivedRtp {
  readonly header: {
    readonly sequenceNumber: number;
    readonly timestamp: number;
    readonly marker: boolean;
  };
  readonly payload: Buffer;
}

/** Takes one received packet of a track; `retransmission`: it came unwrapped from RTX. */
export type RtpSink = (rtp: ReceivedRtp, retransmission: boolean) => void;
