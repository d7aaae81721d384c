import { GenericNack, RtcpTransportLayerFeedback, type RtcpPacket, type RTCRtpSender, type RtpPacket } from 'werift';

/** werift 0.25's RTCRtpSender keeps the packets it sent for NACKs in `rtpCache`, by sequence number modulo 128 (its RTP_HISTORY_SIZE). */
export const WERIFT_HISTORY_PACKETS = 128;

/**
 * Packets a viewer's sender keeps for retransmission: ~2 s of a 2.5 Mbit/s stream, a 1080p
 * keyframe and a long round trip. About 0.6 MB per video viewer at 2.5 Mbit/s. A power of two,
 * so slots follow sequence numbers across their wrap.
 */
export const SENDER_HISTORY_PACKETS = 512;

/** The parts of werift's RTCRtpSender this module touches. */
interface WeriftSender {
  rtpCache?: Array<RtpPacket | undefined>;
  sequenceNumber?: number;
  /** Packets werift retransmitted for NACKs. */
  retransmittedPacketsSent?: number;
  handleRtcpPacket(packet: RtcpPacket): void;
}

/**
 * Gives a werift sender a longer memory for NACKs. werift answers a NACK only from the last 128
 * packets it sent: half a second of 2.5 Mbit/s video, and less than one large keyframe, which it
 * sends in one burst, so a packet lost early in a keyframe is gone by the time its NACK comes and
 * the viewer freezes until the next keyframe. Here the last `packets` packets are kept (the same
 * copies werift makes, taken from its cache after each send); a NACK for one that werift no longer
 * has puts it back into werift's cache slot just before werift reads it, and werift retransmits it
 * its usual way (RTX when negotiated). Call `remember()` right after each `sender.sendRtp()`.
 *
 * Anything unexpected (another werift version without `rtpCache`) leaves werift as it is.
 */
export class SenderHistory {
  readonly #sender: WeriftSender;
  readonly #packets: Array<RtpPacket | undefined>;
  /** Packets the viewer asked for again in NACKs. */
  nacked = 0;
  /** Packets werift had dropped and this history gave back for a NACK. */
  restored = 0;

  private constructor(sender: WeriftSender, packets: number) {
    this.#sender = sender;
    this.#packets = new Array<RtpPacket | undefined>(packets);
  }

  /** Extends `sender`'s memory to `packets` packets; undefined when werift's internals are not as expected. */
  static attach(sender: RTCRtpSender, packets = SENDER_HISTORY_PACKETS): SenderHistory | undefined {
    const internals = sender as unknown as WeriftSender;
    if (!Array.isArray(internals.rtpCache) || typeof internals.handleRtcpPacket !== 'function') return undefined;
    const history = new SenderHistory(internals, packets);
    const handle = internals.handleRtcpPacket.bind(sender);
    internals.handleRtcpPacket = (packet) => {
      if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) {
        history.nacked += packet.feedback.lost.length;
        history.#restore(packet.feedback.lost);
      }
      handle(packet);
    };
    return history;
  }

  /** Packets werift retransmitted for NACKs, restored ones included. */
  get retransmitted(): number {
    return this.#sender.retransmittedPacketsSent ?? 0;
  }

  /** Keeps the packet werift just sent (its copy, with the sequence number it went out with). */
  remember(): void {
    const sequence = this.#sender.sequenceNumber;
    if (sequence === undefined) return;
    const sent = this.#sender.rtpCache?.[sequence % WERIFT_HISTORY_PACKETS];
    if (sent?.header.sequenceNumber === sequence) this.#packets[sequence % this.#packets.length] = sent;
  }

  /** Puts the NACKed packets werift no longer has back into its cache slots. */
  #restore(lost: readonly number[]): void {
    // Read each time: werift replaces its cache when a track is replaced.
    const cache = this.#sender.rtpCache;
    if (cache === undefined) return;
    for (const sequence of lost) {
      const slot = sequence % WERIFT_HISTORY_PACKETS;
      if (cache[slot]?.header.sequenceNumber === sequence) continue;
      const kept = this.#packets[sequence % this.#packets.length];
      if (kept?.header.sequenceNumber !== sequence) continue;
      cache[slot] = kept;
      this.restored++;
    }
  }
}
