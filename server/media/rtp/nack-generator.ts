import { seqAdd, seqDistance } from './sequence-number';

/** Tuning of a NackGenerator. */
export interface NackGeneratorOptions {
  /** Most sequence numbers asked for at once; a longer gap keeps only its newest ones. Default 512. */
  readonly maxMissing?: number;
  /** NACKs sent for one sequence number at most, whatever the receiver still waits. Default 10. */
  readonly maxNacksPerPacket?: number;
}

/** A sequence number the generator asks the sender for. */
export interface MissingPacket {
  readonly sequenceNumber: number;
  /** When the gap was seen, ms on the caller's clock. */
  readonly detectedAt: number;
  /** NACKs sent for it so far. */
  nacks: number;
  /** When the last NACK for it went out, ms; NaN before the first. */
  lastNackAt: number;
}

/** A jump forward at least this large is a restart of the sequence, not a gap (RFC 3550 A.1 MAX_DROPOUT). */
const MAX_DROPOUT = 3000;
/** A packet further back than this is a restart too (RFC 3550 MAX_MISORDER). */
const MAX_MISORDER = 1000;

/**
 * Decides which RTP sequence numbers of one stream to NACK (RFC 4585 generic NACK), in the manner
 * of Pion's `pkg/nack` generator but without timers: the caller owns the clock and the sending.
 *
 * A gap is asked for at once (`due` returns it the first time it is called); a sequence number
 * still missing is asked for again `retryAfterMs` after its last NACK, the caller's estimate of
 * the time a retransmission takes (about one round trip; asking sooner only duplicates it).
 * It stops asking when the packet arrives, when the receiver gives up on it (`forgetBefore`),
 * after `maxNacksPerPacket` NACKs, or when more than `maxMissing` newer ones are missing.
 * Sequence numbers are compared across the 16-bit wrap.
 */
export class NackGenerator {
  readonly #maxMissing: number;
  readonly #maxNacks: number;
  /** Highest sequence number seen; undefined before the first packet. */
  #highest: number | undefined;
  /** Missing packets by sequence number; gaps are added in sequence order, so a Map iterates oldest first. */
  readonly #missing = new Map<number, MissingPacket>();
  /** A far-jumping packet; the sequence restarted there if the next packet follows it. */
  #restartCandidate: number | undefined;
  #abandoned = 0;

  constructor(options: NackGeneratorOptions = {}) {
    this.#maxMissing = options.maxMissing ?? 512;
    this.#maxNacks = options.maxNacksPerPacket ?? 10;
  }

  /** Sequence numbers asked for now. */
  get missingCount(): number {
    return this.#missing.size;
  }

  /** Missing sequence numbers dropped without an answer: too many NACKs, or too many missing at once. */
  get abandoned(): number {
    return this.#abandoned;
  }

  /**
   * Records an arriving packet. Returns the record of the missing packet it answers, when it was
   * being asked for (so the caller can time the round trip), else undefined.
   */
  received(sequenceNumber: number, nowMs: number): MissingPacket | undefined {
    if (this.#highest === undefined) {
      this.#highest = sequenceNumber;
      return undefined;
    }
    const distance = seqDistance(this.#highest, sequenceNumber);
    if (distance >= MAX_DROPOUT || distance < -MAX_MISORDER) {
      this.#onFarJump(sequenceNumber);
      return undefined;
    }
    this.#restartCandidate = undefined;
    if (distance > 0) {
      // Only the newest maxMissing of a long gap are worth a NACK; the rest count as abandoned.
      const first = Math.max(1, distance - this.#maxMissing);
      this.#abandoned += first - 1;
      for (let step = first; step < distance; step++) {
        const seq = seqAdd(this.#highest, step);
        this.#missing.set(seq, { sequenceNumber: seq, detectedAt: nowMs, nacks: 0, lastNackAt: NaN });
      }
      this.#highest = sequenceNumber;
      this.#trim();
      return undefined;
    }
    const missing = this.#missing.get(sequenceNumber);
    if (missing !== undefined) this.#missing.delete(sequenceNumber);
    return missing;
  }

  /**
   * The sequence numbers to NACK now, oldest first: new gaps, and those whose last NACK went out
   * `retryAfterMs` ago or more. They are marked as sent at `nowMs`.
   */
  due(nowMs: number, retryAfterMs: number): number[] {
    const due: number[] = [];
    for (const missing of this.#missing.values()) {
      // The same sum as nextDue, so that due(nextDue()) returns it whatever the rounding.
      if (missing.nacks > 0 && nowMs < missing.lastNackAt + retryAfterMs) continue;
      if (missing.nacks >= this.#maxNacks) {
        this.#missing.delete(missing.sequenceNumber);
        this.#abandoned++;
        continue;
      }
      missing.nacks++;
      missing.lastNackAt = nowMs;
      due.push(missing.sequenceNumber);
    }
    return due;
  }

  /** When `due` next has something to return, ms on the caller's clock; undefined while nothing is missing. */
  nextDue(retryAfterMs: number): number | undefined {
    let next: number | undefined;
    for (const missing of this.#missing.values()) {
      const at = missing.nacks === 0 ? missing.detectedAt : missing.lastNackAt + retryAfterMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** The receiver gave up on everything before `sequenceNumber`: stop asking for it. */
  forgetBefore(sequenceNumber: number): void {
    for (const seq of this.#missing.keys()) {
      if (seqDistance(seq, sequenceNumber) > 0) this.#missing.delete(seq);
    }
  }

  /**
   * A packet far from the others is stray (ignored) or the first of a restarted sequence: two in a
   * row mean a restart, and nothing before it is worth asking for any more.
   */
  #onFarJump(sequenceNumber: number): void {
    const candidate = this.#restartCandidate;
    if (candidate === undefined || seqDistance(candidate, sequenceNumber) !== 1) {
      this.#restartCandidate = sequenceNumber;
      return;
    }
    this.#restartCandidate = undefined;
    this.#abandoned += this.#missing.size;
    this.#missing.clear();
    this.#highest = sequenceNumber;
  }

  #trim(): void {
    for (const seq of this.#missing.keys()) {
      if (this.#missing.size <= this.#maxMissing) return;
      this.#missing.delete(seq);
      this.#abandoned++;
    }
  }
}
