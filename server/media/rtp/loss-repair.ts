import { InterarrivalJitter } from './interarrival-jitter';
import { NackGenerator } from './nack-generator';
import { RtpReorderBuffer } from './reorder-buffer';
import { repairTimings, type RepairTimings, type RepairWindowOptions } from './repair-window';
import type { RtpPacketView, RtpStreamItem } from './rtp-packet';
import { RttEstimator } from './rtt-estimator';

/** Options of an RtpLossRepair. */
export interface LossRepairOptions extends RepairWindowOptions {
  /** RTP clock of the stream, Hz (for the jitter). */
  readonly clockRate: number;
  /** Packets held while waiting for gaps at most (bounds memory whatever the window). */
  readonly maxPackets: number;
  /** Ask for missing packets (the sender takes NACKs). Default true; false: gaps are only waited for. */
  readonly nack?: boolean;
}

/** Counters and estimates of an RtpLossRepair, since creation. */
export interface LossRepairStats {
  /** Packets received on the stream itself (retransmissions not included). */
  readonly packetsReceived: number;
  /** Sequence numbers given up on. */
  readonly packetsLost: number;
  /** NACK messages handed to the caller (each one RTCP generic NACK). */
  readonly nacksSent: number;
  /** Sequence numbers asked for, repeats included. */
  readonly packetsNacked: number;
  /** Retransmissions that filled a gap. */
  readonly retransmissionsReceived: number;
  /** Retransmissions of packets already there (RTX padding, or a second answer): dropped. */
  readonly unusedRetransmissions: number;
  /** Packets dropped because the same one was already waiting. */
  readonly duplicates: number;
  /** Packets (retransmissions included) that came after their slot was delivered or given up. */
  readonly latePackets: number;
  /** Smoothed round-trip time, ms; undefined before the first sample. */
  readonly rttMs: number | undefined;
  /** RFC 3550 interarrival jitter of the stream, ms. */
  readonly jitterMs: number;
  /** The wait for a missing packet in force, ms. */
  readonly windowMs: number;
}

/** Sequence numbers in one NACK message at most: each takes at most one 4-byte FCI, so it fits a packet. */
const MAX_SEQUENCES_PER_NACK = 240;

/**
 * Loss repair of one RTP stream: a reorder buffer that waits for a missing packet as long as its
 * retransmission can still come, the NACKs that ask for it, and the round trip that sizes both.
 *
 * Packets in order are delivered at once. A gap is NACKed when it is seen and again, while still
 * missing, after a retransmission timeout; the buffer waits for it up to the repair window
 * (`repairTimings`), then reports it lost. The round trip is measured from each NACK answered by
 * a retransmission (only packets NACKed once, Karn's rule: the answer to which NACK is otherwise
 * ambiguous), and may be fed other samples (ICE checks). Pure: the caller owns the clock (packets'
 * `receivedAt`, `poll`, `takeNacks`) and sends the NACKs.
 */
export class RtpLossRepair {
  readonly #options: LossRepairOptions;
  readonly #buffer: RtpReorderBuffer;
  /** Undefined when the sender takes no NACKs. */
  readonly #nacks: NackGenerator | undefined;
  readonly #rtt = new RttEstimator();
  readonly #jitter: InterarrivalJitter;
  #timings: RepairTimings;
  #packetsReceived = 0;
  #nackMessages = 0;
  #packetsNacked = 0;
  #retransmissions = 0;
  #unusedRetransmissions = 0;
  #lateRetransmissions = 0;

  constructor(options: LossRepairOptions) {
    this.#options = options;
    this.#nacks = options.nack === false ? undefined : new NackGenerator();
    this.#jitter = new InterarrivalJitter(options.clockRate);
    this.#timings = repairTimings(this.#rtt, 0, options);
    // The first packets wait only the shortest window: the start must not depend on a round trip.
    const startDelayMs = options.window === 'auto' ? options.minMs : options.window;
    this.#buffer = new RtpReorderBuffer({ maxDelayMs: this.#timings.windowMs, startDelayMs, maxPackets: options.maxPackets });
  }

  /** The window and re-NACK delay in force. */
  get timings(): RepairTimings {
    return this.#timings;
  }

  get stats(): LossRepairStats {
    const buffer = this.#buffer.stats;
    return {
      packetsReceived: this.#packetsReceived,
      packetsLost: buffer.lost,
      nacksSent: this.#nackMessages,
      packetsNacked: this.#packetsNacked,
      retransmissionsReceived: this.#retransmissions,
      unusedRetransmissions: this.#unusedRetransmissions,
      duplicates: buffer.duplicates,
      latePackets: buffer.late + this.#lateRetransmissions,
      rttMs: this.#rtt.smoothedMs,
      jitterMs: this.#jitter.jitterMs,
      windowMs: this.#timings.windowMs,
    };
  }

  /**
   * One packet as it arrives (its `receivedAt` is the current time). `retransmission`: it came as
   * a retransmission (RTX), not on the stream itself. Returns what is ready, in order.
   */
  receive(packet: RtpPacketView, retransmission: boolean): RtpStreamItem[] {
    const seq = packet.sequenceNumber;
    if (retransmission) {
      if (!this.#buffer.isWanted(seq)) {
        if (this.#buffer.wasGivenUp(seq)) this.#lateRetransmissions++;
        else this.#unusedRetransmissions++;
        return this.poll(packet.receivedAt);
      }
      this.#retransmissions++;
      const asked = this.#nacks?.received(seq, packet.receivedAt);
      if (asked?.nacks === 1) this.#rtt.addSample(packet.receivedAt - asked.lastNackAt);
    } else {
      this.#packetsReceived++;
      this.#jitter.update(packet.timestamp, packet.receivedAt);
      this.#nacks?.received(seq, packet.receivedAt);
    }
    this.#updateTimings();
    return this.#forgetLost(this.#buffer.push(packet));
  }

  /** Releases what waited too long by `nowMs`. */
  poll(nowMs: number): RtpStreamItem[] {
    return this.#forgetLost(this.#buffer.poll(nowMs));
  }

  /**
   * The NACKs to send now, each a list of sequence numbers for one RTCP generic NACK (oldest
   * first); empty when none is due.
   */
  takeNacks(nowMs: number): number[][] {
    if (!this.#nacks || this.#nacks.missingCount === 0) return [];
    const due = this.#nacks.due(nowMs, this.#timings.retryAfterMs);
    const messages: number[][] = [];
    for (let i = 0; i < due.length; i += MAX_SEQUENCES_PER_NACK) messages.push(due.slice(i, i + MAX_SEQUENCES_PER_NACK));
    this.#nackMessages += messages.length;
    this.#packetsNacked += due.length;
    return messages;
  }

  /** When `poll` or `takeNacks` next has something to do, ms on the caller's clock; undefined when nothing waits. */
  nextDeadline(): number | undefined {
    const release = this.#buffer.nextDeadline();
    const nack = this.#nacks?.nextDue(this.#timings.retryAfterMs);
    if (release === undefined) return nack;
    return nack === undefined ? release : Math.min(release, nack);
  }

  /** A round trip measured elsewhere (an ICE check), ms. */
  addRttSample(rttMs: number): void {
    this.#rtt.addSample(rttMs);
    this.#updateTimings();
  }

  #updateTimings(): void {
    this.#timings = repairTimings(this.#rtt, this.#jitter.jitterMs, this.#options);
    this.#buffer.setMaxDelay(this.#timings.windowMs);
  }

  /** What the buffer gave up on is no longer asked for. */
  #forgetLost(items: RtpStreamItem[]): RtpStreamItem[] {
    const next = this.#buffer.nextSequenceNumber;
    if (next !== undefined && this.#nacks && this.#nacks.missingCount > 0 && items.some((item) => item.kind === 'loss')) this.#nacks.forgetBefore(next);
    return items;
  }
}
