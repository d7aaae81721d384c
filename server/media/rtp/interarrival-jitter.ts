/**
 * RFC 3550 interarrival jitter of one RTP stream (section 6.4.1, appendix A.8): the smoothed mean
 * deviation of the difference between packet spacing at the receiver and at the sender. Feed it
 * the packets as they arrive from the network (not retransmissions, whose spacing says nothing
 * about the path); the caller owns the clock.
 */
export class InterarrivalJitter {
  readonly #unitsPerMs: number;
  #lastArrival: number | undefined;
  #lastTimestamp = 0;
  /** J, in RTP timestamp units. */
  #jitter = 0;

  /** `clockRate`: the payload format's RTP clock, Hz (90000 for video). */
  constructor(clockRate: number) {
    this.#unitsPerMs = clockRate / 1000;
  }

  /** The current jitter, ms. */
  get jitterMs(): number {
    return this.#jitter / this.#unitsPerMs;
  }

  /** One packet: its 32-bit RTP timestamp and its arrival time, ms on the caller's clock. */
  update(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = arrivalMs * this.#unitsPerMs;
    if (this.#lastArrival !== undefined) {
      // D(i,j) = (Rj - Ri) - (Sj - Si), the sender's part signed across the 32-bit wrap.
      const sent = (rtpTimestamp - this.#lastTimestamp) | 0;
      const d = arrival - this.#lastArrival - sent;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastArrival = arrival;
    this.#lastTimestamp = rtpTimestamp;
  }
}
