import { TS_PACER_BURST_MS, TS_PACER_MAX_HOLD_MS, TS_PACER_MIN_RATE_BYTES_PER_SECOND, TsPacer } from '../../../../server/sinks/mpegts/ts-pacer';
import { TS_DATAGRAM_BYTES, TS_PACKET_BYTES } from '../../../../server/sinks/mpegts/ts-transport';
import type { Clock } from '../../../../server/events/clock';
import { FakeClock } from '../../../support/fake-clock';

/** `count` TS packets numbered from `first` (the number in bytes 4..7), so order can be checked after pacing. */
function packets(first: number, count: number): Buffer {
  const out = Buffer.alloc(count * TS_PACKET_BYTES, 0xff);
  for (let i = 0; i < count; i++) {
    out[i * TS_PACKET_BYTES] = 0x47;
    out.writeUInt32BE(first + i, i * TS_PACKET_BYTES + 4);
  }
  return out;
}

/** Packet numbers in sent datagrams, in order. */
function numbers(datagrams: readonly Buffer[]): number[] {
  const all: number[] = [];
  for (const d of datagrams) for (let at = 0; at < d.length; at += TS_PACKET_BYTES) all.push(d.readUInt32BE(at + 4));
  return all;
}

interface Sent {
  readonly at: number;
  readonly datagram: Buffer;
}

function pacerWithLog(clock: FakeClock, options: { maxQueuedBytes?: number } = {}): { pacer: TsPacer; sent: Sent[] } {
  const sent: Sent[] = [];
  const pacer = new TsPacer({ send: (datagram) => sent.push({ at: clock.now(), datagram }), clock, ...options });
  return { pacer, sent };
}

/** The most bytes sent within any `windowMs` (inclusive of both ends). */
function largestBurst(sent: readonly Sent[], windowMs: number): number {
  let largest = 0;
  let sum = 0;
  let from = 0;
  for (let to = 0; to < sent.length; to++) {
    sum += sent[to]!.datagram.length;
    while (sent[to]!.at - sent[from]!.at > windowMs) sum -= sent[from++]!.datagram.length;
    largest = Math.max(largest, sum);
  }
  return largest;
}

/** Writes a GOP-like backlog: `totalBytes` in 40 ms frames spanning `spanMs` of media, all at once. */
function writeBacklog(pacer: TsPacer, totalBytes: number, spanMs: number): number {
  const frames = spanMs / 40;
  const perFrame = Math.floor(totalBytes / frames / TS_PACKET_BYTES);
  let next = 0;
  for (let i = 0; i < frames; i++) {
    pacer.write(packets(next, perFrame), i * 40);
    next += perFrame;
  }
  return next;
}

describe('TsPacer', () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  test('datagrams carry 7 whole packets, in the order written; a short last one leaves after the hold', () => {
    const { pacer, sent } = pacerWithLog(clock);
    let next = 0;
    for (const count of [3, 11, 1, 20, 4]) {
      pacer.write(packets(next, count), next);
      next += count;
    }
    clock.advance(TS_PACER_MAX_HOLD_MS - 10);
    expect(sent.every((s) => s.datagram.length === TS_DATAGRAM_BYTES)).toBe(true);
    expect(pacer.queuedBytes).toBe((next % 7) * TS_PACKET_BYTES);
    clock.advance(20);
    expect(pacer.queuedBytes).toBe(0);
    expect(sent.at(-1)!.datagram.length).toBe((next % 7) * TS_PACKET_BYTES);
    expect(numbers(sent.map((s) => s.datagram))).toEqual([...Array(next).keys()]);
    expect(clock.pending).toBe(0);
  });

  test('a short last datagram waits for its hold without a pacing tick: one wake-up at its deadline, not one every 5 ms', () => {
    let wakeUps = 0;
    const counted = (callback: () => void) => () => {
      wakeUps++;
      callback();
    };
    const counting: Clock = {
      now: () => clock.now(),
      setTimeout: (callback, ms) => clock.setTimeout(counted(callback), ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
      setInterval: (callback, ms) => clock.setInterval(counted(callback), ms),
      clearInterval: (handle) => clock.clearInterval(handle),
    };
    const sent: Buffer[] = [];
    const pacer = new TsPacer({ send: (datagram) => sent.push(datagram), clock: counting });
    // One full datagram leaves at once; 3 packets wait for more, or for the hold.
    pacer.write(packets(0, 10), 0);
    expect(sent.map((d) => d.length)).toEqual([TS_DATAGRAM_BYTES]);
    clock.advance(TS_PACER_MAX_HOLD_MS - 1);
    expect(wakeUps).toBe(0);
    clock.advance(1);
    expect(wakeUps).toBe(1);
    expect(sent.map((d) => d.length)).toEqual([TS_DATAGRAM_BYTES, 3 * TS_PACKET_BYTES]);
    expect(numbers(sent)).toEqual([...Array(10).keys()]);
    expect(clock.pending).toBe(0);
  });

  test('a write after a pause leaves at once (the saved budget), the rest paced', () => {
    const { pacer, sent } = pacerWithLog(clock);
    clock.advance(1000);
    pacer.write(packets(0, 7), 0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.at).toBe(1000);
  });

  test('the rate follows the input: 2 × bytes per media time over the last 2 s, never under the floor', () => {
    const { pacer } = pacerWithLog(clock);
    // 250 KB/s: 10,000 bytes (~53 packets) every 40 ms, for 3 s.
    let next = 0;
    for (let ms = 0; ms < 3000; ms += 40) {
      pacer.write(packets(next, 53), ms);
      next += 53;
      clock.advance(40);
    }
    const input = (53 * TS_PACKET_BYTES * 1000) / 40;
    expect(pacer.inputBytesPerSecond).toBeGreaterThan(input * 0.97);
    expect(pacer.inputBytesPerSecond).toBeLessThan(input * 1.05);
    expect(pacer.rateBytesPerSecond).toBeCloseTo(2 * pacer.inputBytesPerSecond);
    expect(pacer.queuedBytes).toBeLessThan(53 * TS_PACKET_BYTES);
    // Then 40 KB/s for 3 s: 2 × 40 KB/s is under the floor.
    for (let ms = 3000; ms < 6000; ms += 40) {
      pacer.write(packets(next, 8), ms);
      next += 8;
      clock.advance(40);
    }
    expect(pacer.inputBytesPerSecond).toBeLessThan(45_000);
    expect(pacer.rateBytesPerSecond).toBe(TS_PACER_MIN_RATE_BYTES_PER_SECOND);
  });

  test('a 500 KB backlog (2 s of media) leaves at 2 × its rate: about 1 s, bursts bounded, nothing reordered', () => {
    const { pacer, sent } = pacerWithLog(clock);
    const count = writeBacklog(pacer, 500_000, 2000);
    const rate = pacer.rateBytesPerSecond;
    expect(rate).toBeGreaterThan(480_000);
    expect(rate).toBeLessThan(560_000);
    const cap = (rate * TS_PACER_BURST_MS) / 1000 + TS_DATAGRAM_BYTES;
    // Nothing leaves beyond the rate: at every moment, what left is at most rate × time + the saved budget.
    let total = 0;
    for (const s of sent.filter((x) => x.at === 0)) total += s.datagram.length;
    expect(total).toBeLessThanOrEqual(cap);
    for (let t = 1; t <= 2000 && pacer.queuedBytes > 0; t++) {
      clock.advance(1);
      total = sent.reduce((sum, s) => sum + s.datagram.length, 0);
      expect(total).toBeLessThanOrEqual((rate * t) / 1000 + cap);
    }
    clock.advance(TS_PACER_MAX_HOLD_MS);
    const doneAt = sent.at(-1)!.at;
    const bytes = count * TS_PACKET_BYTES;
    expect(doneAt).toBeGreaterThan(((bytes - cap) * 1000) / rate - 10);
    expect(doneAt).toBeLessThan((bytes * 1000) / rate + TS_PACER_MAX_HOLD_MS + 10);
    // Any 10 ms window: at most the rate over 10 ms plus the budget that may be saved up.
    expect(largestBurst(sent, 10)).toBeLessThanOrEqual((rate * 10) / 1000 + cap);
    expect(numbers(sent.map((s) => s.datagram))).toEqual([...Array(count).keys()]);
    expect(pacer.droppedDatagrams).toBe(0);
  });

  test('past the hard limit the oldest whole datagrams are dropped and counted', () => {
    const { pacer, sent } = pacerWithLog(clock, { maxQueuedBytes: 10 * TS_DATAGRAM_BYTES });
    pacer.write(packets(0, 7 * 30), 0);
    expect(pacer.droppedDatagrams).toBeGreaterThan(0);
    expect(pacer.queuedBytes).toBeLessThanOrEqual(10 * TS_DATAGRAM_BYTES);
    clock.advance(2000);
    const got = numbers(sent.map((s) => s.datagram));
    expect(got.length + pacer.droppedDatagrams * 7).toBe(7 * 30);
    // What was kept is in order, and the drops were at the front (after what the saved budget sent at once).
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(got.at(-1)).toBe(7 * 30 - 1);
    expect(pacer.droppedBytes).toBe(pacer.droppedDatagrams * TS_DATAGRAM_BYTES);
  });

  test('end() sends the rest, the short tail included, within its bound, then ignores writes', async () => {
    const { pacer, sent } = pacerWithLog(clock);
    pacer.write(packets(0, 7 * 100 + 3), 0);
    const ended = pacer.end(200);
    let done = false;
    void ended.then(() => (done = true));
    clock.advance(200);
    await Promise.resolve();
    expect(done).toBe(true);
    expect(numbers(sent.map((s) => s.datagram))).toEqual([...Array(7 * 100 + 3).keys()]);
    expect(sent.at(-1)!.datagram.length).toBe(3 * TS_PACKET_BYTES);
    pacer.write(packets(0, 7), 0);
    expect(pacer.queuedBytes).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test('end() drops what could not leave by its deadline; stop() drops at once and stops the timer', async () => {
    const slow = pacerWithLog(clock);
    slow.pacer.write(packets(0, 7 * 10), 0);
    const ended = slow.pacer.end(0);
    await ended;
    expect(slow.pacer.queuedBytes).toBe(0);
    expect(slow.pacer.droppedDatagrams + slow.sent.length).toBe(10);

    const stopped = pacerWithLog(clock);
    stopped.pacer.write(packets(0, 7 * 100), 0);
    expect(clock.pending).toBe(1);
    stopped.pacer.stop();
    expect(stopped.pacer.queuedBytes).toBe(0);
    expect(clock.pending).toBe(0);
    stopped.pacer.write(packets(0, 7), 0);
    expect(stopped.pacer.queuedBytes).toBe(0);
  });

  test('writes must be whole packets; a timeline that restarts resets the measured rate', () => {
    const { pacer } = pacerWithLog(clock);
    expect(() => pacer.write(Buffer.alloc(100), 0)).toThrow(RangeError);
    writeBacklog(pacer, 500_000, 2000);
    expect(pacer.inputBytesPerSecond).toBeGreaterThan(200_000);
    // Back by more than the window: a new timeline.
    pacer.write(packets(0, 7), -5000);
    expect(pacer.inputBytesPerSecond).toBeLessThan(5000);
    writeBacklog(pacer, 500_000, 2000);
    // Forward by more than the window: the old samples age out.
    pacer.write(packets(0, 7), 10_000);
    expect(pacer.inputBytesPerSecond).toBeLessThan(5000);
  });
});
