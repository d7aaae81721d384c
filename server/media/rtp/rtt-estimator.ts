/** Gain of a new sample in the smoothed RTT (RFC 6298 alpha). */
const ALPHA = 1 / 8;
/** Gain of a new deviation in the RTT variation (RFC 6298 beta). */
const BETA = 1 / 4;
/** Samples above this are taken as this much, ms: one stalled round trip must not blow the estimate up. */
const MAX_SAMPLE_MS = 10_000;

/**
 * A smoothed round-trip time, as RFC 6298 keeps it for TCP's retransmission timer: SRTT and
 * RTTVAR, updated with each sample. The caller measures the samples (a NACK answered by its
 * retransmission, an ICE check answered by the peer) on its own clock.
 */
export class RttEstimator {
  #smoothed: number | undefined;
  #variation = 0;
  #samples = 0;

  /** Smoothed round-trip time (SRTT), ms; undefined before the first sample. */
  get smoothedMs(): number | undefined {
    return this.#smoothed;
  }

  /** Mean deviation of the round-trip time (RTTVAR), ms; 0 before the first sample. */
  get variationMs(): number {
    return this.#variation;
  }

  /** Samples taken so far. */
  get samples(): number {
    return this.#samples;
  }

  /** Adds one measured round trip, ms; negative, infinite and NaN samples are ignored. */
  addSample(rttMs: number): void {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs)) return;
    const sample = Math.min(rttMs, MAX_SAMPLE_MS);
    this.#samples++;
    if (this.#smoothed === undefined) {
      this.#smoothed = sample;
      this.#variation = sample / 2;
      return;
    }
    this.#variation = (1 - BETA) * this.#variation + BETA * Math.abs(this.#smoothed - sample);
    this.#smoothed = (1 - ALPHA) * this.#smoothed + ALPHA * sample;
  }
}
