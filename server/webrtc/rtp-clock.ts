import { NTP_TO_UNIX_MS } from './ntp-time';

/**
 * The NTP↔local offset of one publisher, shared by its tracks so audio and video land on the same
 * clock. A first estimate comes from the first RTCP sender report of any track (its arrival); the
 * leading track (see RtpClock) then fixes it for good.
 */
export class SenderClock {
  /** local ms (performance.now) minus sender NTP ms; undefined until the first sender report. */
  ntpToLocal: number | undefined;
  /** ntpToLocal is final: the leading track's reports agreed. */
  fixed = false;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Two sender reports whose RTP↔NTP mappings differ by less than this are the same mapping, ms:
 * report-to-report jitter is about 1 ms, and lip sync errors this small go unnoticed.
 */
export const SAME_MAPPING_MS = 30;

/** Options of an RtpClock. */
export interface RtpClockOptions {
  /**
   * This track fixes its publisher's NTP↔local offset (SenderClock): the video track, or the audio
   * track of a publisher without video. Default true.
   */
  readonly leads?: boolean;
}

/**
 * Puts one track's 32-bit RTP timestamps on the stream clock (see the clock rule in hub/frame.ts):
 * integers in the track's own units, whose milliseconds are the gateway's `performance.now()`.
 *
 * At first the mapping is anchored on the arrival of the track's first packet; it follows the
 * sender's NTP clock once two consecutive sender reports of the track agree on it (within
 * SAME_MAPPING_MS), which is what aligns audio with video (the tracks' RTP clocks start at random
 * values). Two, because a first report can be off by a capture stall that follows it (Chromium's
 * audio capture of a PulseAudio monitor, measured: its first report 217 ms away from every later
 * one), as libwebrtc's receiver also waits for two.
 *
 * The leading track's agreed mapping fixes the publisher's NTP↔local offset where that track
 * already is, so it never steps: a step in the video would show (its arrival anchor is late by the
 * sender's encoding delay, 55 ms measured under load, and the reports agree only 1–3 s into the
 * stream, when pushes and recordings run). The other track waits for that offset, then takes its
 * agreed mapping with one step of a few tens of ms (the difference of the two tracks' encoding
 * delays). Afterwards a track's mapping changes only when two consecutive reports agree on another
 * (the sender's RTP clock stepped against its NTP clock); reports near the mapping in use, or one
 * outlier, change nothing.
 */
export class RtpClock {
  readonly #clockRate: number;
  readonly #sender: SenderClock;
  readonly #leads: boolean;
  /** Extended (unwrapped) timestamp of the last packet. */
  #last: number | undefined;
  /** units on the stream clock = extended + offset */
  #offset: number | undefined;
  #fromSenderReport = false;
  /** The previous report's mapping without the NTP↔local offset: sender NTP in track units minus extended RTP time. */
  #reported: number | undefined;

  /** `clockRate` in Hz (90000 for video, 48000 for Opus). */
  constructor(clockRate: number, sender: SenderClock, options: RtpClockOptions = {}) {
    this.#clockRate = clockRate;
    this.#sender = sender;
    this.#leads = options.leads ?? true;
  }

  /** True once the mapping comes from sender reports. */
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
    const sender = this.#sender;
    sender.ntpToLocal ??= arrivalMs - ntpMs;
    const reported = Math.round((ntpMs * this.#clockRate) / 1000) - this.extend(rtpTimestamp);
    const previous = this.#reported;
    this.#reported = reported;
    const tolerance = (SAME_MAPPING_MS * this.#clockRate) / 1000;
    const agreed = previous !== undefined && Math.abs(reported - previous) <= tolerance;
    if (!sender.fixed) {
      if (!agreed || !this.#leads) return undefined;
      // Where this track already is: its offset on the stream clock is the report's mapping plus the NTP↔local offset.
      if (this.#offset !== undefined) sender.ntpToLocal = ((this.#offset - reported) * 1000) / this.#clockRate;
      sender.fixed = true;
    }
    const implied = reported + Math.round((sender.ntpToLocal * this.#clockRate) / 1000);
    if (this.#fromSenderReport && Math.abs(implied - this.#offset!) <= tolerance) return undefined;
    if (!agreed) return undefined;
    const stepMs = this.#offset === undefined ? 0 : ((implied - this.#offset) * 1000) / this.#clockRate;
    this.#offset = implied;
    this.#fromSenderReport = true;
    return stepMs;
  }
}
