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
 * Two sender reports whose RTP↔NTP mappings differ by less than this are the same mapping, ms:
 * report-to-report jitter is about 1 ms, and lip sync errors this small go unnoticed.
 */
export const SAME_MAPPING_MS = 30;

/**
 * Puts one track's 32-bit RTP timestamps on the stream clock (see the clock rule in hub/frame.ts):
 * integers in the track's own units, whose milliseconds are the gateway's `performance.now()`.
 *
 * Until the track's first sender report the mapping is anchored on the arrival of the first
 * packet; then it follows the sender's NTP clock, which is what aligns audio with video (the two
 * tracks' RTP clocks start at random values). The first report's mapping is taken at once, so the
 * step from the arrival anchor (the sender's encoding delay, tens of ms) comes early, before a push
 * or a recording has started. It holds until a report agrees with it; until then the next report
 * that disagrees replaces it: a sender's first report can be off by a capture stall that follows
 * it (Chromium's audio capture of a PulseAudio monitor, measured: its first report 217 ms away from
 * every later one). A confirmed mapping changes only when two consecutive reports agree on another
 * (the sender's RTP clock stepped against its NTP clock). Each change is one step of the track's
 * times; reports within SAME_MAPPING_MS of the mapping in use change nothing.
 */
export class RtpClock {
  readonly #clockRate: number;
  readonly #sender: SenderClock;
  /** Extended (unwrapped) timestamp of the last packet. */
  #last: number | undefined;
  /** units on the stream clock = extended + offset */
  #offset: number | undefined;
  #fromSenderReport = false;
  /** A later sender report agreed with the mapping in use. */
  #confirmed = false;
  /** The offset the previous sender report implied. */
  #reported: number | undefined;

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

  /**
   * Feeds an RTCP sender report: `ntpMs` is the sender's wall clock in ms, `rtpTimestamp` the
   * matching RTP time. Returns the step the track's times take, ms (positive: later), when the
   * mapping changes; undefined when it does not.
   */
  onSenderReport(ntpMs: number, rtpTimestamp: number, arrivalMs: number): number | undefined {
    this.#sender.ntpToLocal ??= arrivalMs - ntpMs;
    const implied = Math.round(((ntpMs + this.#sender.ntpToLocal) * this.#clockRate) / 1000) - this.extend(rtpTimestamp);
    const previous = this.#reported;
    this.#reported = implied;
    const tolerance = (SAME_MAPPING_MS * this.#clockRate) / 1000;
    const near = (a: number, b: number): boolean => Math.abs(a - b) <= tolerance;
    if (this.#fromSenderReport && near(implied, this.#offset!)) {
      this.#confirmed = true;
      return undefined;
    }
    const agreed = previous !== undefined && near(implied, previous);
    if (this.#confirmed && !agreed) return undefined;
    const stepMs = this.#offset === undefined ? 0 : ((implied - this.#offset) * 1000) / this.#clockRate;
    this.#offset = implied;
    this.#fromSenderReport = true;
    this.#confirmed = agreed;
    return stepMs;
  }
}
