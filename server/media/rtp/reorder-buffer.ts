import type { RtpPacketView, RtpStreamItem } from './rtp-packet';
import { seqAdd, seqDistance } from './sequence-number';

/** Tuning of RtpReorderBuffer. */
export interface ReorderBufferOptions {
  /** Longest time a packet waits for the ones missing before it, ms (`setMaxDelay` changes it). Default 50. */
  readonly maxDelayMs?: number;
  /** How long the first packets wait before delivery starts, ms. Default: maxDelayMs. */
  readonly startDelayMs?: number;
  /** Most packets held while waiting; one more gives up on the oldest gap. Default 256. */
  readonly maxPackets?: number;
}

/** Counters of what the reorder buffer did, since creation. */
export interface ReorderStats {
  /** Sequence numbers given up on (sum of the `count` of every loss item). */
  readonly lost: number;
  /** Packets dropped because their slot was already delivered or given up (late arrivals, duplicates, stray far jumps). */
  readonly late: number;
  /** Packets dropped because a packet with the same sequence number was already waiting. */
  readonly duplicates: number;
  /** Times the sequence restarted (a far jump confirmed by the next packet). */
  readonly restarts: number;
}

/** A jump forward at least this large is treated as a possible sequence restart (RFC 3550 A.1 MAX_DROPOUT). */
const MAX_DROPOUT = 3000;
/** Packets at most this far behind are late arrivals; further back is a possible restart (cf. RFC 3550 MAX_MISORDER). */
const MAX_MISORDER = 1000;
/** Gaps given up on that `wasGivenUp` remembers. */
const RECENT_LOSSES = 16;

/**
 * Puts RTP packets of one SSRC back into sequence order (16-bit wrap aware).
 *
 * A packet in order is delivered at once. A packet that arrives ahead of a gap waits until the
 * gap fills, until it has waited `maxDelayMs`, or until more than `maxPackets` are waiting; then
 * the gap is reported as an `{ kind: 'loss' }` item and delivery goes on. Time only advances
 * through the packets' `receivedAt` and `poll(nowMs)`, so the caller owns the clock (call `poll`
 * at `nextDeadline()`). Delivery starts `startDelayMs` after the first packet, from the lowest
 * sequence number seen by then, so a stream whose first packets arrive out of order loses nothing.
 */
export class RtpReorderBuffer {
  #maxDelayMs: number;
  readonly #startDelayMs: number;
  readonly #maxPackets: number;
  /** Sequence number to deliver next; undefined until delivery starts. */
  #next: number | undefined;
  /** Packets waiting for a gap before them, by sequence number. A Map iterates in insertion = arrival order. */
  readonly #held = new Map<number, RtpPacketView>();
  /** A far-jumping packet kept until the next packet confirms (or not) that the sequence restarted. */
  #restartCandidate: RtpPacketView | undefined;
  /** The last gaps given up on, oldest first: first sequence number and count. */
  readonly #recentLosses: Array<{ readonly from: number; readonly count: number }> = [];
  #lost = 0;
  #late = 0;
  #duplicates = 0;
  #restarts = 0;

  constructor(options: ReorderBufferOptions = {}) {
    this.#maxDelayMs = options.maxDelayMs ?? 50;
    this.#startDelayMs = options.startDelayMs ?? this.#maxDelayMs;
    this.#maxPackets = options.maxPackets ?? 256;
  }

  /** The current longest wait for a gap, ms. */
  get maxDelayMs(): number {
    return this.#maxDelayMs;
  }

  /** Changes the longest wait for a gap (a new round-trip estimate); packets waiting now follow it too. */
  setMaxDelay(ms: number): void {
    this.#maxDelayMs = ms;
  }

  /** The sequence number delivered next; undefined until delivery starts. Everything before it was delivered or given up. */
  get nextSequenceNumber(): number | undefined {
    return this.#next;
  }

  /** True when a packet with this sequence number would be kept: it is neither delivered, given up, waiting, nor far away. */
  isWanted(sequenceNumber: number): boolean {
    if (this.#held.has(sequenceNumber)) return false;
    if (this.#next === undefined) return true;
    const distance = seqDistance(this.#next, sequenceNumber);
    return distance >= 0 && distance < MAX_DROPOUT;
  }

  /** True when this sequence number belongs to one of the last gaps given up on. */
  wasGivenUp(sequenceNumber: number): boolean {
    return this.#recentLosses.some((loss) => {
      const offset = seqDistance(loss.from, sequenceNumber);
      return offset >= 0 && offset < loss.count;
    });
  }

  /** Counters since creation. */
  get stats(): ReorderStats {
    return { lost: this.#lost, late: this.#late, duplicates: this.#duplicates, restarts: this.#restarts };
  }

  /** Adds a packet (its `receivedAt` is taken as the current time) and returns what is ready, in order. */
  push(packet: RtpPacketView): RtpStreamItem[] {
    const out: RtpStreamItem[] = [];
    const seq = packet.sequenceNumber;
    if (this.#next === undefined) {
      this.#holdAtStart(packet);
      this.#giveUpExpired(packet.receivedAt, out);
      return out;
    }
    const distance = seqDistance(this.#next, seq);
    if (distance >= MAX_DROPOUT || distance < -MAX_MISORDER) {
      this.#onFarJump(packet, out);
    } else {
      this.#dropRestartCandidate();
      if (distance < 0) {
        this.#late++;
      } else if (distance === 0) {
        out.push({ kind: 'packet', packet });
        this.#next = seqAdd(seq, 1);
        this.#releaseConsecutive(out);
      } else if (this.#held.has(seq)) {
        this.#duplicates++;
      } else {
        this.#held.set(seq, packet);
      }
    }
    this.#giveUpExpired(packet.receivedAt, out);
    return out;
  }

  /** Releases packets that have waited `maxDelayMs` by `nowMs` (same clock as `receivedAt`). */
  poll(nowMs: number): RtpStreamItem[] {
    const out: RtpStreamItem[] = [];
    this.#giveUpExpired(nowMs, out);
    return out;
  }

  /** When `poll` should next be called, ms on the caller's clock; undefined while nothing waits. */
  nextDeadline(): number | undefined {
    const oldest = this.#oldestHeld();
    return oldest === undefined ? undefined : oldest.receivedAt + this.#delayMs();
  }

  /** The wait in force: the start delay until delivery starts, then maxDelayMs. */
  #delayMs(): number {
    return this.#next === undefined ? this.#startDelayMs : this.#maxDelayMs;
  }

  /** Before delivery starts every packet waits, so that one overtaken by its successor is not lost. */
  #holdAtStart(packet: RtpPacketView): void {
    if (this.#held.has(packet.sequenceNumber)) this.#duplicates++;
    else this.#held.set(packet.sequenceNumber, packet);
  }

  /**
   * A packet far from the expected sequence number is either stray or the first of a restarted
   * sequence. Two consecutive such packets mean a restart: deliver what waits, then resume there.
   */
  #onFarJump(packet: RtpPacketView, out: RtpStreamItem[]): void {
    const candidate = this.#restartCandidate;
    if (candidate === undefined || seqDistance(candidate.sequenceNumber, packet.sequenceNumber) !== 1) {
      this.#dropRestartCandidate();
      this.#restartCandidate = packet;
      return;
    }
    this.#restartCandidate = undefined;
    this.#restarts++;
    while (this.#held.size > 0) this.#skipToLowestHeld(out);
    out.push({ kind: 'loss', count: 0 }, { kind: 'packet', packet: candidate }, { kind: 'packet', packet });
    this.#next = seqAdd(packet.sequenceNumber, 1);
  }

  /** The kept far-jumping packet was stray after all: count it as late and forget it. */
  #dropRestartCandidate(): void {
    if (this.#restartCandidate === undefined) return;
    this.#late++;
    this.#restartCandidate = undefined;
  }

  #giveUpExpired(nowMs: number, out: RtpStreamItem[]): void {
    for (let oldest = this.#oldestHeld(); oldest !== undefined; oldest = this.#oldestHeld()) {
      // The same sum as nextDeadline, so that poll(nextDeadline()) releases whatever the rounding.
      if (this.#held.size <= this.#maxPackets && nowMs < oldest.receivedAt + this.#delayMs()) return;
      if (this.#next === undefined) {
        // Start with the lowest sequence number seen; nothing before it is known to be missing.
        this.#next = this.#lowestHeldFrom(oldest.sequenceNumber);
        this.#releaseConsecutive(out);
      } else {
        this.#skipToLowestHeld(out);
      }
    }
  }

  /** Declares the sequence numbers before the lowest waiting packet lost and delivers from there on. */
  #skipToLowestHeld(out: RtpStreamItem[]): void {
    const next = this.#next!;
    const lowest = this.#lowestHeldFrom(next);
    const gap = seqDistance(next, lowest);
    out.push({ kind: 'loss', count: gap });
    this.#lost += gap;
    this.#recentLosses.push({ from: next, count: gap });
    if (this.#recentLosses.length > RECENT_LOSSES) this.#recentLosses.shift();
    this.#next = lowest;
    this.#releaseConsecutive(out);
  }

  /** The waiting sequence number that comes first, counting from `reference` (wrap-aware). */
  #lowestHeldFrom(reference: number): number {
    let lowest = reference;
    let lowestDistance = Infinity;
    for (const seq of this.#held.keys()) {
      const distance = seqDistance(reference, seq);
      if (distance < lowestDistance) {
        lowest = seq;
        lowestDistance = distance;
      }
    }
    return lowest;
  }

  #releaseConsecutive(out: RtpStreamItem[]): void {
    for (let packet = this.#held.get(this.#next!); packet !== undefined; packet = this.#held.get(this.#next!)) {
      this.#held.delete(packet.sequenceNumber);
      out.push({ kind: 'packet', packet });
      this.#next = seqAdd(packet.sequenceNumber, 1);
    }
  }

  #oldestHeld(): RtpPacketView | undefined {
    return this.#held.values().next().value;
  }
}
