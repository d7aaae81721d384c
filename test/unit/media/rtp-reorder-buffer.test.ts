import { RtpReorderBuffer } from '../../../server/media/rtp/reorder-buffer';
import type { RtpPacketView, RtpStreamItem } from '../../../server/media/rtp/rtp-packet';
import { seqDistance } from '../../../server/media/rtp/sequence-number';
import { seededRandom } from './support/prng';

const packet = (sequenceNumber: number, receivedAt = 0): RtpPacketView => ({
  sequenceNumber,
  timestamp: 0,
  marker: false,
  payload: Buffer.alloc(0),
  receivedAt,
});

/** Items as compact strings: sequence numbers for packets, "lost N" for gaps. */
const describe_ = (items: readonly RtpStreamItem[]): (number | string)[] =>
  items.map((item) => (item.kind === 'packet' ? item.packet.sequenceNumber : `lost ${item.count}`));

describe('seqDistance', () => {
  it('is wrap-aware and signed', () => {
    expect(seqDistance(65535, 0)).toBe(1);
    expect(seqDistance(0, 65535)).toBe(-1);
    expect(seqDistance(100, 100)).toBe(0);
    expect(seqDistance(0, 32767)).toBe(32767);
    expect(seqDistance(0, 32768)).toBe(-32768);
  });
});

describe('RtpReorderBuffer', () => {
  /** A buffer that has started delivering: `first` was pushed at t = 0 and released at t = 50. */
  function started(first: number, options = {}): RtpReorderBuffer {
    const buffer = new RtpReorderBuffer(options);
    expect(buffer.push(packet(first, 0))).toEqual([]);
    expect(describe_(buffer.poll(50))).toEqual([first]);
    return buffer;
  }

  it('starts maxDelayMs after the first packet, from the lowest sequence number seen', () => {
    const buffer = new RtpReorderBuffer({ maxDelayMs: 50 });
    expect(buffer.push(packet(11, 0))).toEqual([]);
    expect(buffer.push(packet(12, 1))).toEqual([]);
    expect(buffer.push(packet(10, 2))).toEqual([]); // overtaken by its successors: not lost
    expect(buffer.nextDeadline()).toBe(50);
    expect(describe_(buffer.poll(50))).toEqual([10, 11, 12]);
    expect(describe_(buffer.push(packet(13, 51)))).toEqual([13]);
    expect(buffer.stats.lost).toBe(0);
  });

  it('passes in-order packets straight through once started, across the 16-bit wrap', () => {
    const buffer = started(65534);
    const out = [65535, 0, 1].flatMap((seq) => describe_(buffer.push(packet(seq, 60))));
    expect(out).toEqual([65535, 0, 1]);
    expect(buffer.nextDeadline()).toBeUndefined();
  });

  it('holds a packet that arrives early until the missing one fills the gap', () => {
    const buffer = started(65535);
    expect(describe_(buffer.push(packet(1, 60)))).toEqual([]);
    expect(describe_(buffer.push(packet(2, 61)))).toEqual([]);
    expect(describe_(buffer.push(packet(0, 62)))).toEqual([0, 1, 2]);
    expect(buffer.stats).toEqual({ lost: 0, late: 0, duplicates: 0, restarts: 0 });
  });

  it('gives up on a gap after maxDelayMs, on poll or on a later push', () => {
    const buffer = started(10, { maxDelayMs: 50 });
    expect(buffer.push(packet(12, 105))).toEqual([]);
    expect(buffer.nextDeadline()).toBe(155);
    expect(buffer.poll(154.9)).toEqual([]);
    expect(describe_(buffer.poll(155))).toEqual(['lost 1', 12]);

    buffer.push(packet(15, 200));
    expect(describe_(buffer.push(packet(16, 251)))).toEqual(['lost 2', 15, 16]);
    expect(buffer.stats.lost).toBe(3);
  });

  it('holds each packet at most maxDelayMs from its own arrival', () => {
    const buffer = started(0, { maxDelayMs: 50 });
    buffer.push(packet(3, 100));
    buffer.push(packet(5, 130));
    expect(describe_(buffer.poll(150))).toEqual(['lost 2', 3]);
    expect(buffer.nextDeadline()).toBe(180);
    expect(describe_(buffer.poll(180))).toEqual(['lost 1', 5]);
  });

  it('gives up on the oldest gap when more than maxPackets wait', () => {
    const buffer = started(0, { maxPackets: 3 });
    expect([2, 3, 4].flatMap((seq) => buffer.push(packet(seq, 60)))).toEqual([]);
    expect(describe_(buffer.push(packet(6, 60)))).toEqual(['lost 1', 2, 3, 4]);
  });

  it('drops duplicates and packets that come after their slot was delivered or given up', () => {
    const buffer = started(0);
    buffer.push(packet(2, 100));
    expect(buffer.push(packet(2, 101))).toEqual([]); // duplicate of a waiting packet
    expect(describe_(buffer.poll(150))).toEqual(['lost 1', 2]);
    expect(buffer.push(packet(1, 160))).toEqual([]); // too late: already reported lost
    expect(buffer.push(packet(0, 161))).toEqual([]); // duplicate of a delivered packet
    expect(describe_(buffer.push(packet(3, 162)))).toEqual([3]);
    expect(buffer.stats).toEqual({ lost: 1, late: 2, duplicates: 1, restarts: 0 });
  });

  it('treats two consecutive far-jumping packets as a sequence restart', () => {
    const buffer = started(100);
    buffer.push(packet(102, 60)); // waits for 101
    expect(buffer.push(packet(40000, 61))).toEqual([]);
    expect(describe_(buffer.push(packet(40001, 62)))).toEqual(['lost 1', 102, 'lost 0', 40000, 40001]);
    expect(describe_(buffer.push(packet(40002, 63)))).toEqual([40002]);
    expect(buffer.stats.restarts).toBe(1);
  });

  it('drops a single stray far-away packet without disturbing the stream', () => {
    const buffer = started(100);
    expect(buffer.push(packet(9000, 60))).toEqual([]);
    expect(describe_(buffer.push(packet(101, 61)))).toEqual([101]);
    expect(buffer.stats).toMatchObject({ late: 1, restarts: 0 });
  });

  it('follows a new maxDelay for packets already waiting; the start keeps its own delay', () => {
    const buffer = new RtpReorderBuffer({ maxDelayMs: 300, startDelayMs: 50 });
    buffer.push(packet(10, 0));
    expect(buffer.nextDeadline()).toBe(50);
    expect(describe_(buffer.poll(50))).toEqual([10]);
    buffer.push(packet(12, 100));
    expect(buffer.nextDeadline()).toBe(400);
    buffer.setMaxDelay(120);
    expect(buffer.maxDelayMs).toBe(120);
    expect(buffer.poll(219)).toEqual([]);
    expect(describe_(buffer.poll(220))).toEqual(['lost 1', 12]);
  });

  it('says which sequence numbers it still wants and which gaps it gave up on, across the wrap', () => {
    const buffer = started(65533);
    expect(buffer.nextSequenceNumber).toBe(65534);
    buffer.push(packet(1, 60)); // 65534..0 missing
    expect([65533, 65534, 0, 1, 2, 40000].map((seq) => buffer.isWanted(seq))).toEqual([false, true, true, false, true, false]);
    expect(describe_(buffer.poll(110))).toEqual(['lost 3', 1]);
    expect(buffer.nextSequenceNumber).toBe(2);
    expect([65533, 65534, 65535, 0, 1, 2].map((seq) => buffer.wasGivenUp(seq))).toEqual([false, true, true, true, false, false]);
    expect(buffer.isWanted(0)).toBe(false);
  });

  it('delivers every surviving packet once, in order, with every gap accounted for (random jitter, loss, duplicates)', () => {
    const random = seededRandom(42);
    const first = 65000; // crosses the wrap
    const total = 3000;
    const arrivals: RtpPacketView[] = [];
    for (let i = 0; i < total; i++) {
      if (random() < 0.03) continue; // lost on the network
      const seq = (first + i) & 0xffff;
      const jitter = random() < 0.1 ? random() * 80 : random() * 2;
      arrivals.push(packet(seq, i + jitter));
      if (random() < 0.02) arrivals.push(packet(seq, i + jitter + random() * 30)); // duplicated
    }
    arrivals.sort((a, b) => a.receivedAt - b.receivedAt);

    const buffer = new RtpReorderBuffer({ maxDelayMs: 50 });
    const out = arrivals.flatMap((p) => buffer.push(p));
    out.push(...buffer.poll(Infinity));

    // Delivery starts at the lowest sequence number that arrived within maxDelayMs of the first one.
    const startWindow = arrivals.filter((p) => p.receivedAt < arrivals[0].receivedAt + 50);
    const start = startWindow
      .map((p) => p.sequenceNumber)
      .reduce((lowest, seq) => (seqDistance(lowest, seq) < 0 ? seq : lowest));
    let expected = start;
    const seen = new Set<number>();
    for (const item of out) {
      if (item.kind === 'loss') {
        expected = (expected + item.count) & 0xffff;
        continue;
      }
      expect(item.packet.sequenceNumber).toBe(expected);
      expect(seen.has(expected)).toBe(false);
      seen.add(expected);
      expected = (expected + 1) & 0xffff;
    }
    const { lost, late, duplicates } = buffer.stats;
    expect(seen.size + lost).toBe(seqDistance(start, expected));
    expect(seen.size + late + duplicates).toBe(arrivals.length);
    expect(lost).toBeGreaterThan(0);
    expect(late).toBeGreaterThan(0);
  });
});
