import { wrapRtx, type RtpPacket } from 'werift';

/**
 * Packets of one SSRC held for retransmission: about 4 s of the clip's video (≈ 260 packets/s),
 * room for a second NACK after a lost retransmission at 250 ms RTT, where werift's own 128 packets
 * (half a second) run out. A divisor of 65,536, so slots stay in step across a sequence wrap.
 */
export const RTX_HISTORY_PACKETS = 1024;

/** The negotiated RTX stream (RFC 4588) retransmissions go out on. */
export interface RtxStream {
  readonly payloadType: number;
  readonly ssrc: number;
}

/**
 * Answers RTCP generic NACKs for one media SSRC as Chromium does: each packet asked for that is
 * still in the history is sent again as RTX — the original sequence number in the first two
 * payload bytes, on the RTX SSRC with that stream's own sequence numbers. Packets no longer held
 * are counted, not sent.
 */
export class NackResponder {
  readonly #history: Array<RtpPacket | undefined> = new Array<RtpPacket | undefined>(RTX_HISTORY_PACKETS);
  readonly #rtx: RtxStream;
  readonly #send: (packet: RtpPacket) => void;
  #rtxSequence: number;
  /** Packets sent again. */
  retransmitted = 0;
  /** Packets asked for that the history no longer (or never) held. */
  unavailable = 0;

  /** `firstRtxSequence`: the RTX stream's first sequence number (random, as RFC 3550 wants, by default). */
  constructor(rtx: RtxStream, send: (packet: RtpPacket) => void, firstRtxSequence = Math.floor(Math.random() * 0x10000)) {
    this.#rtx = rtx;
    this.#send = send;
    this.#rtxSequence = firstRtxSequence;
  }

  /** A media packet as it is sent (its header's sequence number is the one NACKs will name). */
  record(packet: RtpPacket): void {
    this.#history[packet.header.sequenceNumber % RTX_HISTORY_PACKETS] = packet;
  }

  /** One NACK's sequence numbers. */
  onNack(lost: readonly number[]): void {
    for (const sequenceNumber of lost) {
      const packet = this.#history[sequenceNumber % RTX_HISTORY_PACKETS];
      if (packet?.header.sequenceNumber !== sequenceNumber) {
        this.unavailable++;
        continue;
      }
      this.#send(wrapRtx(packet, this.#rtx.payloadType, this.#rtxSequence, this.#rtx.ssrc));
      this.#rtxSequence = (this.#rtxSequence + 1) & 0xffff;
      this.retransmitted++;
    }
  }
}
