/**
 * The NTP↔local offset of one publisher, shared by its tracks so audio and video land on the same
 * timeline: set from the first RTCP sender report of any track.
 */
export class SenderClock {
  /** local ms (performance.now) minus sender NTP ms; undefined until the first sender report. */
  ntpToLocal: number | undefined;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Turns one track's 32-bit RTP timestamps into milliseconds on the gateway's clock (`performance.now()`).
 *
 * Until the track's first RTCP sender report the mapping is anchored on the arrival of the first
 * packet; from that report on it follows the sender's NTP clock, which is what aligns audio with
 * video (the two tracks' RTP clocks start at random values). The mapping changes once, at the
 * first report, and is then kept to avoid jumps.
 */
export class RtpClock {
  readonly #clockRate: number;
  readonly #sender: SenderClock;
  /** Extended (unwrapped) timestamp of the last packet. */
  #last: number | undefined;
  /** ms = extended / clockRate * 1000 + offset */
  #offset: number | undefined;
  #fromSenderReport = false;

  /** `clockRate` in Hz (90000 for video, 48000 for Opus). */
  constructor(clockRate: number, sender: SenderClock) {
    this.#clockRate = clockRate;
    this.#sender = sender;
  }

  /** True once the mapping comes from a sender report. */
  get synchronised(): boolean {
    return this.#fromSenderReport;
  }

  /** Extends a 32-bit timestamp past wrap-around, relative to the previous one (either direction). */
  extend(rtpTimestamp: number): number {
    if (this.#last === undefined) {
      this.#last = rtpTimestamp;
      return rtpTimestamp;
    }
    let delta = (rtpTimestamp - (this.#last % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
    if (delta >= TWO_POW_32 / 2) delta -= TWO_POW_32;
    const extended = this.#last + delta;
    if (delta > 0) this.#last = extended;
    return extended;
  }

  /** Milliseconds on the gateway clock of an extended RTP timestamp; `arrivalMs` anchors the first packet. */
  toMs(extended: number, arrivalMs: number): number {
    this.#offset ??= arrivalMs - this.#ms(extended);
    return this.#ms(extended) + this.#offset;
  }

  /**
   * Milliseconds of an extended RTP timestamp under the current mapping (once the first packet
   * has anchored it): what a frame made later from this RTP time should be stamped with.
   */
  msAt(extended: number): number {
    return this.#ms(extended) + (this.#offset ?? 0);
  }

  /** Feeds an RTCP sender report: `ntpMs` is the sender's wall clock in ms, `rtpTimestamp` the matching RTP time. */
  onSenderReport(ntpMs: number, rtpTimestamp: number, arrivalMs: number): void {
    if (this.#fromSenderReport) return;
    if (this.#sender.ntpToLocal === undefined) this.#sender.ntpToLocal = arrivalMs - ntpMs;
    this.#offset = ntpMs + this.#sender.ntpToLocal - this.#ms(this.extend(rtpTimestamp));
    this.#fromSenderReport = true;
  }

  #ms(extended: number): number {
    return (extended / this.#clockRate) * 1000;
  }
}
