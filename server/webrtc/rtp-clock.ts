/** Milliseconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_TO_UNIX_MS = 2_208_988_800_000;

/**
 * The NTP↔local offset of one publisher, shared by its tracks so audio and video land on the same
 * clock: set from the first RTCP sender report of any track.
 */
export class SenderClock {
  /** local ms (performance.now) minus sender NTP ms; undefined until the first sender report. */
  ntpToLocal: number | undefined;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Puts one track's 32-bit RTP timestamps on the stream clock (see the clock rule in hub/frame.ts):
 * integers in the track's own units, whose milliseconds are the gateway's `performance.now()`.
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
  /** units on the stream clock = extended + offset */
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

  /** Time on the stream clock, track units, of an extended RTP timestamp; `arrivalMs` (performance.now) anchors the first packet. */
  toUnits(extended: number, arrivalMs: number): number {
    this.#offset ??= Math.round((arrivalMs * this.#clockRate) / 1000) - extended;
    return extended + this.#offset;
  }

  /** Unix time, ms, of a time on the stream clock (track units): the sender's wall clock once a report told it, else the gateway's. */
  wallClock(units: number): number {
    const ms = (units * 1000) / this.#clockRate;
    const ntpToLocal = this.#sender.ntpToLocal;
    return ntpToLocal === undefined ? performance.timeOrigin + ms : ms - ntpToLocal - NTP_TO_UNIX_MS;
  }

  /** Feeds an RTCP sender report: `ntpMs` is the sender's wall clock in ms, `rtpTimestamp` the matching RTP time. */
  onSenderReport(ntpMs: number, rtpTimestamp: number, arrivalMs: number): void {
    if (this.#fromSenderReport) return;
    if (this.#sender.ntpToLocal === undefined) this.#sender.ntpToLocal = arrivalMs - ntpMs;
    this.#offset = Math.round(((ntpMs + this.#sender.ntpToLocal) * this.#clockRate) / 1000) - this.extend(rtpTimestamp);
    this.#fromSenderReport = true;
  }
}
