import { systemClock, type Clock, type TimerHandle } from '../events/clock';

/** Minimum spacing of keyframe requests on a link without delay, ms: a keyframe takes ~0.3 s to arrive after a PLI. */
const MIN_REQUEST_SPACING_MS = 400;
/** How far ahead of the deadline the periodic request goes out on a link without delay, ms (PLI → keyframe latency plus margin). */
const LEAD_TIME_MS = 600;
/** How often the periodic check runs, ms. */
const CHECK_PERIOD_MS = 200;

/** Options of a KeyframeRequester. */
export interface KeyframeRequesterOptions {
  /** Maximum time between keyframes the readers must see, ms (YouTube wants ≤ 2000). */
  maxIntervalMs: number;
  /** Sends one keyframe request (an RTCP PLI). */
  sendRequest: () => void;
  /** True while someone reads the stream; periodic requests only run then. */
  hasReaders: () => boolean;
  /** The round trip to the publisher, ms (undefined while unknown): a keyframe comes that much later. */
  roundTripMs?: () => number | undefined;
  clock?: Clock;
}

/**
 * Decides when to ask a WebRTC publisher for a keyframe. Browsers send almost none unless asked
 * (3 in 40 s measured), so: on demand (a reader starts, a packet was lost) and periodically while
 * the stream has readers, early enough that no gap between keyframes exceeds `maxIntervalMs`.
 * Both the spacing of requests and the lead of the periodic one grow with the round trip: a
 * keyframe answers a request one round trip later, and asking again before it could have come
 * only makes the browser send more keyframes.
 */
export class KeyframeRequester {
  readonly #options: KeyframeRequesterOptions;
  readonly #clock: Clock;
  readonly #timer: TimerHandle;
  #lastKeyframeAt: number;
  #lastRequestAt = -Infinity;
  /** Requests sent so far (for stats). */
  requests = 0;

  constructor(options: KeyframeRequesterOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#lastKeyframeAt = this.#clock.now();
    this.#timer = this.#clock.setInterval(() => this.#check(), CHECK_PERIOD_MS);
    this.#timer.unref?.();
  }

  /** Records that a keyframe arrived. */
  onKeyframe(): void {
    this.#lastKeyframeAt = this.#clock.now();
  }

  /** Requests a keyframe now, unless one was requested less than a keyframe's turnaround ago. */
  request(): void {
    const now = this.#clock.now();
    if (now - this.#lastRequestAt < MIN_REQUEST_SPACING_MS + this.#roundTripMs()) return;
    this.#lastRequestAt = now;
    this.requests++;
    this.#options.sendRequest();
  }

  close(): void {
    this.#clock.clearInterval(this.#timer);
  }

  #roundTripMs(): number {
    return this.#options.roundTripMs?.() ?? 0;
  }

  #check(): void {
    if (!this.#options.hasReaders()) return;
    const sinceKeyframe = this.#clock.now() - this.#lastKeyframeAt;
    if (sinceKeyframe >= this.#options.maxIntervalMs - LEAD_TIME_MS - this.#roundTripMs()) this.request();
  }
}
