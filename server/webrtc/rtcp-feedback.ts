import { GenericNack, PictureLossIndication, RtcpPayloadSpecificFeedback, RtcpTransportLayerFeedback, type RTCRtpReceiver, type RtcpPacket } from 'werift';
import type { Logger } from '../log';

/**
 * Sends a receiver's RTCP feedback about one media SSRC through werift's DTLS transport, as
 * werift's own NackHandler and sendRtcpPLI build it: generic NACKs (RFC 4585 6.2.1) and PLIs
 * (6.3.1). PLI is sent here rather than through `receiver.sendRtcpPLI`, which looks for `nack pli`
 * on the receiver's lowest payload type only — the RTX one when RTX has the lower number.
 * Nothing is sent before the SSRC is known or the transport is up; a failed send is logged and dropped.
 */
export class RtcpFeedbackSender {
  readonly #receiver: RTCRtpReceiver;
  readonly #mediaSsrc: () => number | undefined;
  readonly #pli: boolean;
  readonly #log: Logger;

  /** `pli`: the publisher accepted PLI (`a=rtcp-fb:<pt> nack pli`). */
  constructor(receiver: RTCRtpReceiver, mediaSsrc: () => number | undefined, options: { pli: boolean; logger: Logger }) {
    this.#receiver = receiver;
    this.#mediaSsrc = mediaSsrc;
    this.#pli = options.pli;
    this.#log = options.logger;
  }

  /** Asks for the packets with these sequence numbers again (one NACK message). */
  nack(sequenceNumbers: readonly number[]): void {
    const mediaSourceSsrc = this.#mediaSsrc();
    if (mediaSourceSsrc === undefined || sequenceNumbers.length === 0) return;
    const nack = new GenericNack({ senderSsrc: this.#receiver.rtcpSsrc, mediaSourceSsrc, lost: [...sequenceNumbers] });
    this.#send(new RtcpTransportLayerFeedback({ feedback: nack }));
  }

  /** Asks for a keyframe (Picture Loss Indication), when the publisher accepts it. */
  pli(): void {
    const mediaSsrc = this.#mediaSsrc();
    if (mediaSsrc === undefined || !this.#pli) return;
    this.#send(new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: this.#receiver.rtcpSsrc, mediaSsrc }) }));
  }

  #send(packet: RtcpPacket): void {
    const transport = this.#receiver.dtlsTransport as RTCRtpReceiver['dtlsTransport'] | undefined;
    if (transport?.state !== 'connected') return;
    transport.sendRtcp([packet]).catch((err: unknown) => this.#log.debug({ err: (err as Error).message }, 'RTCP feedback not sent'));
  }
}
