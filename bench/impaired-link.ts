import { Xorshift32 } from './prng';

/** How one direction of a network path treats the packets that enter it. */
export interface LinkImpairment {
  /** Base one-way delay, ms. */
  readonly delayMs: number;
  /**
   * Each packet's delay is drawn uniformly in delayMs ± jitterMs (netem's `delay 50ms 20ms`), never
   * below 0; a packet never leaves before the one that entered before it, as in a real link queue,
   * so on a dense flow the delays lean towards the top of that range. 0 for none.
   */
  readonly jitterMs: number;
  /** Probability that a packet is lost, 0..1, each packet drawn independently. */
  readonly lossRate: number;
}

/** What happened to the packets that entered one direction (all clients together). */
export interface LinkCounters {
  /** Handed to the socket and sent. */
  forwarded: number;
  /** Dropped by the random loss (a burst's included). */
  droppedByLoss: number;
  /** Dropped because the relay's queue budget or client bound was full. */
  droppedByBound: number;
  /** The socket refused to send them. */
  sendFailed: number;
}

/** Packets and bytes waiting in all the links of one relay, with their limits. */
export class QueueBudget {
  packets = 0;
  bytes = 0;

  constructor(
    readonly maxPackets: number,
    readonly maxBytes: number,
  ) {}

  /** Reserves room for one packet of `size` bytes; false when either limit would be passed. */
  take(size: number): boolean {
    if (this.packets + 1 > this.maxPackets || this.bytes + size > this.maxBytes) return false;
    this.packets++;
    this.bytes += size;
    return true;
  }

  give(size: number): void {
    this.packets--;
    this.bytes -= size;
  }
}

/** What an `ImpairedLink` needs from its relay. */
export interface ImpairedLinkOptions {
  /** Seeds the link's own two generators (loss, delay), so its pattern does not depend on other links' traffic. */
  readonly seed: number;
  readonly budget: QueueBudget;
  /** Shared by every link of the same direction; the link counts its drops, `deliver` its sends. */
  readonly counters: LinkCounters;
  /** The impairment in force for a packet that enters at `now` (performance.now() ms): a burst changes it. */
  readonly impairmentAt: (now: number) => LinkImpairment;
  /** Sends a packet whose time has come. */
  readonly deliver: (packet: Buffer) => void;
}

interface Waiting {
  readonly packet: Buffer;
  /** performance.now() at which it leaves, ms. */
  readonly dueAt: number;
}

/** Queue entries already sent are compacted away once there are this many. */
const COMPACT_AFTER = 1024;

/**
 * One direction of one client's path: each packet entering is lost or queued for its delay, and
 * leaves in the order it came. Loss is decided on entry, with the impairment in force then.
 */
export class ImpairedLink {
  readonly #options: ImpairedLinkOptions;
  readonly #lossRandom: Xorshift32;
  readonly #delayRandom: Xorshift32;
  #queue: Waiting[] = [];
  #head = 0;
  #lastDueAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ImpairedLinkOptions) {
    this.#options = options;
    this.#lossRandom = new Xorshift32(mixSeed(options.seed, 1));
    this.#delayRandom = new Xorshift32(mixSeed(options.seed, 2));
  }

  /** A packet enters the link. */
  push(packet: Buffer): void {
    if (this.#closed) return;
    const now = performance.now();
    const { delayMs, jitterMs, lossRate } = this.#options.impairmentAt(now);
    // One draw of each per packet whatever the settings, so changing one setting leaves the other's pattern as it was.
    const lost = this.#lossRandom.next() < lossRate;
    const delay = Math.max(0, delayMs + (2 * this.#delayRandom.next() - 1) * jitterMs);
    const { counters, budget } = this.#options;
    if (lost) {
      counters.droppedByLoss++;
      return;
    }
    const dueAt = Math.max(now + delay, this.#lastDueAt);
    this.#lastDueAt = dueAt;
    if (dueAt <= now && this.#head === this.#queue.length) {
      this.#options.deliver(packet);
      return;
    }
    if (!budget.take(packet.length)) {
      counters.droppedByBound++;
      return;
    }
    this.#queue.push({ packet, dueAt });
    this.#arm();
  }

  /** Drops what is queued and stops (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (let i = this.#head; i < this.#queue.length; i++) this.#options.budget.give(this.#queue[i]!.packet.length);
    this.#queue = [];
    this.#head = 0;
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#head === this.#queue.length) return;
    // Timers take whole milliseconds and may fire a little early: #flush re-arms until the head is due.
    const wait = Math.max(0, Math.ceil(this.#queue[this.#head]!.dueAt - performance.now()));
    this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.dueAt <= now) {
      const { packet } = this.#queue[this.#head++]!;
      this.#options.budget.give(packet.length);
      this.#options.deliver(packet);
    }
    if (this.#head >= COMPACT_AFTER) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
  }
}

/** A seed for one of several generators made from the same seed (a 32-bit integer hash). */
export function mixSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
