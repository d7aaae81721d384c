/** Minimum spacing of keyframe requests, ms: a keyframe takes ~0.3 s to arrive after a PLI. */
const MIN_REQUEST_SPACING_MS = 400;
/** How far ahead of the deadline the periodic request goes out, ms (PLI → keyframe latency plus margin). */
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
}

/**
 * Decides when to ask a WebRTC publisher for a keyframe. Browsers send almost none unless asked
 * (3 in 40 s measured), so: on demand (a reader starts, a packet was lost) and periodically while
 * the stream has readers, early enough that no gap between keyframes exceeds `maxIntervalMs`.
 */
export class KeyframeRequester {
  readonly #options: KeyframeRequesterOptions;
  readonly #timer: NodeJS.Timeout;
  #lastKeyframeAt = performance.now();
  #lastRequestAt = -Infinity;
  /** Requests sent so far (for stats). */
  requests = 0;

  constructor(options: KeyframeRequesterOptions) {
    this.#options = options;
    this.#timer = setInterval(() => this.#check(), CHECK_PERIOD_MS);
    this.#timer.unref();
  }

  /** Records that a keyframe arrived. */
  onKeyframe(): void {
    this.#lastKeyframeAt = performance.now();
  }

  /** Requests a keyframe now, unless one was requested moments ago. */
  request(): void {
    const now = performance.now();
    if (now - this.#lastRequestAt < MIN_REQUEST_SPACING_MS) return;
    this.#lastRequestAt = now;
    this.requests++;
    this.#options.sendRequest();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    if (!this.#options.hasReaders()) return;
    const sinceKeyframe = performance.now() - this.#lastKeyframeAt;
    if (sinceKeyframe >= this.#options.maxIntervalMs - LEAD_TIME_MS) this.request();
  }
}
