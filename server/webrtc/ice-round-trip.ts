import type { RTCRtpReceiver } from 'werift';

/**
 * The round trips werift's ICE agent measures on the selected candidate pair: its connectivity
 * checks before media flows, then a consent check every ~5 s (RFC 7675). An early estimate of the
 * round trip, before any NACK has been answered, and a steady one on a link that loses nothing.
 */
export class IceRoundTrip {
  readonly #receiver: RTCRtpReceiver;
  #measurements = 0;

  constructor(receiver: RTCRtpReceiver) {
    this.#receiver = receiver;
  }

  /** The round trip measured since the last call, ms; undefined when there is no new one. */
  takeSample(): number | undefined {
    const transport = this.#receiver.dtlsTransport as RTCRtpReceiver['dtlsTransport'] | undefined;
    const pair = transport?.iceTransport.connection.nominated;
    if (pair?.rtt === undefined || pair.roundTripTimeMeasurements === this.#measurements) return undefined;
    this.#measurements = pair.roundTripTimeMeasurements;
    return pair.rtt * 1000;
  }
}
