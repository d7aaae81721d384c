import { RtpLossRepair, type LossRepairOptions } from '../../../server/media/rtp/loss-repair';
import type { RtpPacketView, RtpStreamItem } from '../../../server/media/rtp/rtp-packet';
import { seqAdd, seqDistance } from '../../../server/media/rtp/sequence-number';
import { Prng } from '../../support/prng';

const AUTO: LossRepairOptions = { window: 'auto', minMs: 50, maxMs: 600, clockRate: 90000, maxPackets: 1024 };

const packet = (sequenceNumber: number, receivedAt: number, timestamp = Math.floor(sequenceNumber / 3) * 3000): RtpPacketView => ({
  sequenceNumber,
  timestamp: timestamp >>> 0,
  marker: false,
  payload: Buffer.alloc(0),
  receivedAt,
});

/** Items as compact strings: sequence numbers for packets, "lost N" for gaps. */
const show = (items: readonly RtpStreamItem[]): (number | string)[] => items.map((item) => (item.kind === 'packet' ? item.packet.sequenceNumber : `lost ${item.count}`));

/** A repair that has measured a steady round trip of `rttMs` and delivered `first` at t = 50. */
function started(first: number, rttMs: number, options: LossRepairOptions = AUTO): RtpLossRepair {
  const repair = new RtpLossRepair(options);
  for (let i = 0; i < 40; i++) repair.addRttSample(rttMs);
  expect(repair.receive(packet(first, 0), false)).toEqual([]);
  expect(show(repair.poll(50))).toEqual([first]);
  return repair;
}

describe('RtpLossRepair', () => {
  test('packets in order are delivered at once, even with a long window', () => {
    const repair = started(100, 250);
    expect(repair.timings.windowMs).toBeGreaterThan(500);
    for (let seq = 101; seq < 400; seq++) expect(show(repair.receive(packet(seq, 50 + seq - 100), false))).toEqual([seq]);
    expect(repair.nextDeadline()).toBeUndefined();
    expect(repair.takeNacks(400)).toEqual([]);
  });

  test('a missing packet is NACKed at once and waited for up to the RTT-derived window, no longer', () => {
    const repair = started(10, 100);
    expect(repair.receive(packet(11, 100), false)).toHaveLength(1);
    expect(repair.receive(packet(13, 104), false)).toEqual([]); // 12 missing
    expect(repair.takeNacks(104)).toEqual([[12]]);
    expect(repair.receive(packet(14, 108), false)).toEqual([]);
    const { windowMs, retryAfterMs } = repair.timings;
    // SRTT ≈ 100, RTTVAR ≈ 0: timeout ≈ 110 ms plus twice the jitter of these few packets; window three times that.
    expect(retryAfterMs).toBeGreaterThan(109);
    expect(retryAfterMs).toBeLessThan(125);
    expect(windowMs).toBeCloseTo(3 * retryAfterMs, 6);
    // A re-NACK every timeout; nothing between.
    expect(repair.takeNacks(104 + retryAfterMs - 1)).toEqual([]);
    expect(repair.nextDeadline()).toBeCloseTo(104 + retryAfterMs, 6);
    expect(repair.takeNacks(104 + retryAfterMs)).toEqual([[12]]);
    expect(repair.takeNacks(104 + 2 * retryAfterMs - 1)).toEqual([]);
    expect(repair.takeNacks(104 + 2 * retryAfterMs)).toEqual([[12]]);
    // Held until the window is over, measured from the gap (the arrival of 13)...
    expect(repair.poll(104 + windowMs - 0.5)).toEqual([]);
    expect(repair.nextDeadline()).toBeCloseTo(104 + windowMs, 6);
    // ...then given up, and no longer asked for.
    expect(show(repair.poll(104 + windowMs))).toEqual(['lost 1', 13, 14]);
    expect(repair.takeNacks(1000)).toEqual([]);
    expect(repair.nextDeadline()).toBeUndefined();
    // Its retransmission, too late now, is counted as late and dropped.
    expect(repair.receive(packet(12, 1000), true)).toEqual([]);
    expect(repair.stats).toMatchObject({ packetsLost: 1, nacksSent: 3, packetsNacked: 3, retransmissionsReceived: 0, latePackets: 1 });
  });

  test('a retransmission arriving within the window repairs the gap, and times the round trip', () => {
    const repair = started(10, 100);
    repair.receive(packet(11, 100), false);
    repair.receive(packet(14, 104), false); // 12 and 13 missing
    expect(repair.takeNacks(104)).toEqual([[12, 13]]);
    expect(repair.receive(packet(15, 108), false)).toEqual([]);
    expect(show(repair.receive(packet(13, 104 + 180), true))).toEqual([]);
    expect(show(repair.receive(packet(12, 104 + 181), true))).toEqual([12, 13, 14, 15]);
    const stats = repair.stats;
    expect(stats).toMatchObject({ packetsLost: 0, retransmissionsReceived: 2, packetsReceived: 4, duplicates: 0, latePackets: 0 });
    // Two samples of ~180 ms moved the smoothed round trip up from 100 (1/8 each).
    expect(stats.rttMs).toBeGreaterThan(115);
    expect(stats.rttMs).toBeLessThan(140);
  });

  test('a packet NACKed twice gives no round-trip sample (Karn: which NACK did it answer?)', () => {
    const repair = started(10, 100);
    repair.receive(packet(12, 100), false);
    repair.takeNacks(100);
    repair.takeNacks(100 + repair.timings.retryAfterMs);
    const before = repair.stats.rttMs;
    expect(show(repair.receive(packet(11, 100 + repair.timings.retryAfterMs + 5), true))).toEqual([11, 12]);
    expect(repair.stats.rttMs).toBe(before);
  });

  test('retransmissions of packets already there (RTX padding) are dropped without counting as duplicates', () => {
    const repair = started(10, 20);
    repair.receive(packet(11, 60), false);
    expect(repair.receive(packet(10, 61), true)).toEqual([]);
    expect(repair.receive(packet(11, 62), true)).toEqual([]);
    expect(repair.stats).toMatchObject({ unusedRetransmissions: 2, duplicates: 0, latePackets: 0, retransmissionsReceived: 0, packetsReceived: 2 });
  });

  test('gaps across the 16-bit wrap are asked for and repaired', () => {
    const repair = started(65533, 80);
    repair.receive(packet(65534, 60), false);
    repair.receive(packet(1, 64), false); // 65535 and 0 missing
    expect(repair.takeNacks(64)).toEqual([[65535, 0]]);
    repair.receive(packet(2, 68), false);
    expect(show(repair.receive(packet(0, 150), true))).toEqual([]);
    expect(show(repair.receive(packet(65535, 151), true))).toEqual([65535, 0, 1, 2]);
    expect(repair.stats.packetsLost).toBe(0);
  });

  test('a fixed window of 50 ms gives up at 50 ms whatever the round trip (the window before it adapted)', () => {
    const repair = started(10, 200, { ...AUTO, window: 50 });
    repair.receive(packet(12, 100), false);
    expect(repair.takeNacks(100)).toEqual([[11]]);
    expect(show(repair.poll(150))).toEqual(['lost 1', 12]);
    expect(repair.receive(packet(11, 300), true)).toEqual([]); // its retransmission, one round trip later
    expect(repair.stats).toMatchObject({ packetsLost: 1, latePackets: 1, windowMs: 50 });
  });

  test('a NACK message holds at most 240 sequence numbers', () => {
    const repair = started(0, 20);
    repair.receive(packet(501, 60), false);
    const messages = repair.takeNacks(60);
    expect(messages.map((m) => m.length)).toEqual([240, 240, 20]);
    expect(messages.flat()).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(repair.stats.nacksSent).toBe(3);
  });

  /**
   * A sender 250 packets/s away across a lossy, jittery, duplicating link, answering NACKs with
   * retransmissions (which the link may lose too), played against the repair event by event.
   */
  function simulate(options: LossRepairOptions, seed: number, link: { rttMs: number; loss: number; jitterMs: number; duplicate: number }) {
    const random = new Prng(seed);
    const total = 4000;
    const first = 64000; // crosses the 16-bit wrap
    const repair = new RtpLossRepair(options);
    repair.addRttSample(link.rttMs); // the ICE check's early estimate
    const arrivals: Array<{ at: number; seq: number; retransmission: boolean }> = [];
    const oneWay = (): number => link.rttMs / 2 + random.next() * link.jitterMs;
    /** Keeps `arrivals` sorted by time. */
    const arrive = (arrival: { at: number; seq: number; retransmission: boolean }): void => {
      let low = 0;
      let high = arrivals.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (arrivals[mid]!.at <= arrival.at) low = mid + 1;
        else high = mid;
      }
      arrivals.splice(low, 0, arrival);
    };
    const send = (seq: number, at: number, retransmission: boolean): void => {
      if (random.next() < link.loss) return;
      arrive({ at: at + oneWay(), seq, retransmission });
      if (random.next() < link.duplicate) arrive({ at: at + oneWay(), seq, retransmission });
    };
    for (let i = 0; i < total; i++) send(seqAdd(first, i), i * 4, false);
    const networkLost = new Set<number>();

    const delivered: Array<{ seq: number; at: number }> = [];
    const arrivedAt = new Map<number, number>();
    let lossItems = 0;
    let maxHeldMs = 0;
    const take = (items: RtpStreamItem[], now: number): void => {
      for (const item of items) {
        if (item.kind === 'loss') lossItems += item.count;
        else {
          delivered.push({ seq: item.packet.sequenceNumber, at: now });
          maxHeldMs = Math.max(maxHeldMs, now - item.packet.receivedAt);
        }
      }
      for (const message of repair.takeNacks(now)) {
        // The NACK crosses the link (or not), the retransmission comes back (or not).
        for (const seq of message) if (random.next() >= link.loss) send(seq, now + oneWay(), true);
      }
    };
    for (;;) {
      const deadline = repair.nextDeadline();
      const next = arrivals[0];
      if (next === undefined && deadline === undefined) break;
      if (next === undefined || (deadline !== undefined && deadline < next.at)) {
        take(repair.poll(deadline!), deadline!);
        continue;
      }
      arrivals.shift();
      if (!arrivedAt.has(next.seq)) arrivedAt.set(next.seq, next.at);
      take(repair.receive(packet(next.seq, next.at), next.retransmission), next.at);
    }
    for (let i = 0; i < total; i++) if (!arrivedAt.has(seqAdd(first, i))) networkLost.add(seqAdd(first, i));
    return { repair, delivered, lossItems, maxHeldMs, networkLost, total, first };
  }

  test.each([
    ['auto', 1],
    ['auto', 2],
    [50, 3],
  ] as const)('window %s, seed %i: every surviving packet delivered once, in order, gaps accounted, none held past the window', (window, seed) => {
    const { repair, delivered, lossItems, maxHeldMs, total, first } = simulate({ ...AUTO, window }, seed, { rttMs: 120, loss: 0.05, jitterMs: 15, duplicate: 0.02 });
    // Delivery starts at the lowest packet that arrived first (the ones before it, lost, cannot be asked for).
    const start = delivered[0]!.seq;
    expect(seqDistance(first, start)).toBeGreaterThanOrEqual(0);
    expect(seqDistance(first, start)).toBeLessThan(5);
    let expected = start;
    const seen = new Set<number>();
    for (const { seq } of delivered) {
      expect(seen.has(seq)).toBe(false);
      expect(seqDistance(expected, seq)).toBeGreaterThanOrEqual(0);
      seen.add(seq);
      expected = seqAdd(seq, 1);
    }
    const stats = repair.stats;
    expect(seen.size + stats.packetsLost).toBe(seqDistance(start, expected));
    expect(expected).toBe(seqAdd(first, total));
    expect(lossItems).toBe(stats.packetsLost);
    expect(seen.size).toBeLessThanOrEqual(total);
    // Nothing waits longer than the longest window (+ the 1 ms a poll may come late).
    expect(maxHeldMs).toBeLessThanOrEqual((window === 'auto' ? AUTO.maxMs : window) + 1);
    expect(stats.duplicates + stats.latePackets).toBeGreaterThan(0);
    expect(stats.nacksSent).toBeGreaterThan(0);
  });

  test('on a 120 ms link losing 5 %, the auto window repairs nearly everything; a 50 ms window repairs nothing', () => {
    const link = { rttMs: 120, loss: 0.05, jitterMs: 15, duplicate: 0 };
    const auto = simulate(AUTO, 11, link);
    const fixed = simulate({ ...AUTO, window: 50 }, 11, link);
    const rate = (run: ReturnType<typeof simulate>) => run.repair.stats.packetsLost / run.total;
    // The network lost ~5 % of the original packets in both runs.
    expect(auto.networkLost.size / auto.total).toBeLessThan(0.003); // what the repair could not bring back at all
    expect(rate(auto)).toBeLessThan(0.005); // loss after repair: both the NACK round and the re-NACK failed
    expect(rate(fixed)).toBeGreaterThan(0.04);
    expect(auto.repair.stats.retransmissionsReceived).toBeGreaterThan(0.04 * auto.total);
    // Round trip measured from the NACKs, near the link's (plus half its jitter on average).
    expect(auto.repair.stats.rttMs).toBeGreaterThan(110);
    expect(auto.repair.stats.rttMs).toBeLessThan(150);
  });
});
