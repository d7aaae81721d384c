import { systemClock, type Clock, type TimerHandle } from '../../events/clock';
import { TS_DATAGRAM_BYTES, TS_MAX_QUEUED_BYTES, TS_PACKET_BYTES } from './ts-transport';

/** Lowest pacing rate, bytes/s (1 Mbit/s): a thin stream (audio only) still leaves at once. */
export const TS_PACER_MIN_RATE_BYTES_PER_SECOND = 125_000;

/** The pacing rate is this many times the input rate: room to catch up, and keyframes spread over ~half their frame time. */
export const TS_PACER_RATE_FACTOR = 2;

/** Media time over which the input rate is measured, ms. */
export const TS_PACER_RATE_WINDOW_MS = 2000;

/** Period of the pacing timer while a datagram waits for send budget, ms. */
export const TS_PACER_TICK_MS = 5;

/** Time a last, partly filled datagram waits for more packets before it leaves short, ms. */
export const TS_PACER_MAX_HOLD_MS = 100;

/**
 * Send budget the pacer may save up, in ms of its rate (plus one datagram): bounds what leaves at
 * once after a pause or a late timer. Any 10 ms window carries at most rate × (10 + this) ms + one datagram.
 */
export const TS_PACER_BURST_MS = 10;

/** Shortest media span the input rate is measured over, ms: a lone keyframe is not taken for a huge rate. */
const MIN_RATE_SPAN_MS = 500;

/** Options of a {@link TsPacer}. */
export interface TsPacerOptions {
  /** Sends one datagram: whole TS packets, `datagramBytes` long except when a flush or a hold leaves less. */
  readonly send: (datagram: Buffer) => void;
  /** Time and timers; default the system clock. */
  readonly clock?: Clock;
  /** Lowest pacing rate, bytes/s. Default {@link TS_PACER_MIN_RATE_BYTES_PER_SECOND} (1 Mbit/s). */
  readonly minRateBytesPerSecond?: number;
  /** Bytes of a full datagram, a multiple of 188. Default 1316 (7 packets). */
  readonly datagramBytes?: number;
  /** Bytes queued at most: beyond, the oldest datagrams are dropped and counted. Default {@link TS_MAX_QUEUED_BYTES}. */
  readonly maxQueuedBytes?: number;
  /** Called after one or more datagrams left (the owner re-checks its water marks). */
  readonly onSent?: () => void;
}

/** A chunk written to the pacer, with the time it came (for the hold of a short last datagram). */
interface Chunk {
  readonly data: Buffer;
  readonly at: number;
}

/** Bytes written at one media time, for the input rate. */
interface RateSample {
  readonly ms: number;
  readonly bytes: number;
}

/**
 * Sends MPEG-TS packets in datagrams at a bounded rate: MPEG-TS over UDP has no flow control, so the
 * cached GOP a push starts from, and every keyframe, must not leave in one burst. The rate is
 * max(floor, 2 × the input rate), the input rate being the bytes written over the last 2 s of media
 * time divided by the media time they span; a token bucket refilled by a short timer spends it.
 * Datagrams hold whole TS packets, in order, `datagramBytes` long (a last one waits up to 100 ms
 * for more packets, then leaves short). The queue is bounded: its owner pauses its input above a
 * high-water mark, and if bytes still come past `maxQueuedBytes` the oldest datagrams are dropped
 * and counted.
 */
export class TsPacer {
  readonly #send: (datagram: Buffer) => void;
  readonly #clock: Clock;
  readonly #minRate: number;
  readonly #datagramBytes: number;
  readonly #maxQueued: number;
  readonly #onSent: (() => void) | undefined;

  readonly #chunks: Chunk[] = [];
  /** Index of the oldest chunk with unsent bytes. */
  #head = 0;
  /** Bytes of `#chunks[#head]` already taken. */
  #offset = 0;
  #queued = 0;

  readonly #samples: RateSample[] = [];
  #samplesHead = 0;
  #windowBytes = 0;
  #newestMs = -Infinity;

  #budget = 0;
  #refilledAt: number;
  /** The pacing tick, while a datagram waits for budget. */
  #timer: TimerHandle | undefined;
  /** The one-shot timer of a short last datagram's hold, and when it fires. */
  #holdTimer: TimerHandle | undefined;
  #holdDeadline = Infinity;
  #ending: { readonly deadline: number; readonly done: () => void; readonly promise: Promise<void> } | undefined;
  #stopped = false;

  /** Bytes handed to `send`. */
  sentBytes = 0;
  /** Datagrams handed to `send`. */
  sentDatagrams = 0;
  /** Datagrams dropped because the queue was over its limit or a flush ran out of time. */
  droppedDatagrams = 0;
  /** Bytes of those datagrams. */
  droppedBytes = 0;

  constructor(options: TsPacerOptions) {
    const datagramBytes = options.datagramBytes ?? TS_DATAGRAM_BYTES;
    if (!Number.isInteger(datagramBytes) || datagramBytes <= 0 || datagramBytes % TS_PACKET_BYTES !== 0) {
      throw new RangeError(`datagramBytes must be a positive multiple of ${TS_PACKET_BYTES}, got ${datagramBytes}`);
    }
    this.#send = options.send;
    this.#clock = options.clock ?? systemClock;
    this.#minRate = options.minRateBytesPerSecond ?? TS_PACER_MIN_RATE_BYTES_PER_SECOND;
    this.#datagramBytes = datagramBytes;
    this.#maxQueued = Math.max(options.maxQueuedBytes ?? TS_MAX_QUEUED_BYTES, datagramBytes);
    this.#onSent = options.onSent;
    this.#refilledAt = this.#clock.now();
    this.#budget = this.#burstCap(this.#minRate);
  }

  /** Bytes queued, not sent yet. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Input rate measured over the last 2 s of media time, bytes/s (0 before any input). */
  get inputBytesPerSecond(): number {
    const oldest = this.#samples[this.#samplesHead];
    if (oldest === undefined) return 0;
    const span = Math.max(this.#newestMs - oldest.ms, MIN_RATE_SPAN_MS);
    return (this.#windowBytes * 1000) / span;
  }

  /** The pacing rate now, bytes/s: max(floor, 2 × input rate). */
  get rateBytesPerSecond(): number {
    return Math.max(this.#minRate, TS_PACER_RATE_FACTOR * this.inputBytesPerSecond);
  }

  /**
   * Queues whole TS packets (`packets.length` a multiple of 188) whose media time is `mediaMs`;
   * they leave in order, paced. The buffer is kept as is: do not change it afterwards. Ignored
   * once stopped or ending.
   */
  write(packets: Buffer, mediaMs: number): void {
    if (packets.length % TS_PACKET_BYTES !== 0) throw new RangeError(`MPEG-TS writes must be whole ${TS_PACKET_BYTES}-byte packets, got ${packets.length} bytes`);
    if (this.#stopped || this.#ending || packets.length === 0) return;
    this.#recordRate(mediaMs, packets.length);
    this.#chunks.push({ data: packets, at: this.#clock.now() });
    this.#queued += packets.length;
    while (this.#queued > this.#maxQueued) this.#drop(Math.min(this.#datagramBytes, this.#queued));
    this.#pump();
  }

  /**
   * Sends what is queued, the last short datagram included, and resolves once the queue is empty.
   * The rate rises as needed to finish within `withinMs`; what is left then is dropped (counted).
   * Later writes are ignored.
   */
  end(withinMs: number): Promise<void> {
    if (this.#ending) return this.#ending.promise;
    if (this.#stopped) return Promise.resolve();
    let done!: () => void;
    const promise = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#ending = { deadline: this.#clock.now() + Math.max(0, withinMs), done, promise };
    this.#pump();
    return promise;
  }

  /** Drops what is queued (not counted as dropped: the owner gave up on it) and stops the timer. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#chunks.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#queued = 0;
    this.#stopTimer();
    this.#ending?.done();
  }

  #recordRate(mediaMs: number, bytes: number): void {
    if (!Number.isFinite(mediaMs)) return;
    // A timeline that went back by more than the window restarted: measure afresh.
    if (mediaMs < this.#newestMs - TS_PACER_RATE_WINDOW_MS) {
      this.#samples.length = 0;
      this.#samplesHead = 0;
      this.#windowBytes = 0;
      this.#newestMs = -Infinity;
    }
    this.#samples.push({ ms: mediaMs, bytes });
    this.#windowBytes += bytes;
    this.#newestMs = Math.max(this.#newestMs, mediaMs);
    const from = this.#newestMs - TS_PACER_RATE_WINDOW_MS;
    while (this.#samplesHead < this.#samples.length - 1 && this.#samples[this.#samplesHead]!.ms < from) {
      this.#windowBytes -= this.#samples[this.#samplesHead]!.bytes;
      this.#samplesHead++;
    }
    if (this.#samplesHead > 256 && this.#samplesHead * 2 > this.#samples.length) {
      this.#samples.splice(0, this.#samplesHead);
      this.#samplesHead = 0;
    }
  }

  #burstCap(rate: number): number {
    return (rate * TS_PACER_BURST_MS) / 1000 + this.#datagramBytes;
  }

  /** Sends what the budget allows now, then keeps the timer running only while bytes wait. */
  #pump(): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    const ending = this.#ending;
    if (ending && now >= ending.deadline) {
      while (this.#queued > 0) this.#drop(Math.min(this.#datagramBytes, this.#queued));
    }
    let rate = this.rateBytesPerSecond;
    if (ending && this.#queued > 0) rate = Math.max(rate, (this.#queued * 1000) / Math.max(ending.deadline - now, TS_PACER_TICK_MS));
    this.#budget = Math.min(this.#budget + (rate * Math.max(0, now - this.#refilledAt)) / 1000, this.#burstCap(rate));
    this.#refilledAt = now;
    let sent = false;
    for (;;) {
      const size = this.#nextDatagramSize(now);
      if (size === 0 || this.#budget < size) break;
      this.#budget -= size;
      const datagram = this.#take(size);
      this.sentBytes += size;
      this.sentDatagrams++;
      sent = true;
      this.#send(datagram);
      if (this.#stopped) return;
    }
    if (this.#nextDatagramSize(now) > 0) {
      // A datagram is due but the budget is spent: tick until it refills.
      this.#startTimer();
    } else if (this.#queued > 0) {
      // Only a short last datagram waits, for more packets or its hold: the next write, or its
      // deadline, sends it; no tick meanwhile (it would wake the loop every 5 ms per target).
      this.#holdUntil(this.#chunks[this.#head]!.at + TS_PACER_MAX_HOLD_MS, now);
    } else {
      this.#stopTimer();
      if (ending) {
        this.#stopped = true;
        ending.done();
      }
    }
    if (sent) this.#onSent?.();
  }

  /** Size of the next datagram to send: a full one, a short last one when flushing or held long enough, or 0. */
  #nextDatagramSize(now: number): number {
    if (this.#queued >= this.#datagramBytes) return this.#datagramBytes;
    if (this.#queued === 0) return 0;
    if (this.#ending) return this.#queued;
    return now - this.#chunks[this.#head]!.at >= TS_PACER_MAX_HOLD_MS ? this.#queued : 0;
  }

  /** Removes `size` bytes from the front of the queue: a view when they lie in one chunk, a copy otherwise. */
  #take(size: number): Buffer {
    const first = this.#chunks[this.#head]!;
    const available = first.data.length - this.#offset;
    let out: Buffer;
    if (available >= size) {
      out = first.data.subarray(this.#offset, this.#offset + size);
      this.#offset += size;
    } else {
      out = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const chunk = this.#chunks[this.#head]!;
        const n = Math.min(size - filled, chunk.data.length - this.#offset);
        chunk.data.copy(out, filled, this.#offset, this.#offset + n);
        filled += n;
        this.#offset += n;
        if (this.#offset === chunk.data.length && filled < size) this.#advance();
      }
    }
    if (this.#offset === this.#chunks[this.#head]!.data.length) this.#advance();
    this.#queued -= size;
    return out;
  }

  #advance(): void {
    this.#head++;
    this.#offset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 256 && this.#head * 2 > this.#chunks.length) {
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #drop(size: number): void {
    this.#take(size);
    this.droppedDatagrams++;
    this.droppedBytes += size;
  }

  #startTimer(): void {
    this.#clearHold();
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setInterval(() => this.#pump(), TS_PACER_TICK_MS);
    // The system clock's timers are Node timers: they must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** One pump at `deadline` (the tick stopped meanwhile); kept when already set for that time. */
  #holdUntil(deadline: number, now: number): void {
    if (this.#holdTimer !== undefined && this.#holdDeadline === deadline) return;
    this.#stopTimer();
    this.#holdDeadline = deadline;
    this.#holdTimer = this.#clock.setTimeout(() => {
      this.#holdTimer = undefined;
      this.#holdDeadline = Infinity;
      this.#pump();
    }, Math.max(0, deadline - now));
    (this.#holdTimer as { unref?: () => void }).unref?.();
  }

  #clearHold(): void {
    if (this.#holdTimer === undefined) return;
    this.#clock.clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#holdDeadline = Infinity;
  }

  #stopTimer(): void {
    this.#clearHold();
    if (this.#timer === undefined) return;
    this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
