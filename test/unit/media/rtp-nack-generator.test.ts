import { NackGenerator } from '../../../server/media/rtp/nack-generator';

/** Feeds sequence numbers arriving at `at` ms. */
function arrive(generator: NackGenerator, at: number, ...sequenceNumbers: number[]): void {
  for (const seq of sequenceNumbers) generator.received(seq, at);
}

describe('NackGenerator', () => {
  test('asks for a gap at once, and nothing while packets come in order', () => {
    const nacks = new NackGenerator();
    arrive(nacks, 0, 10, 11, 12);
    expect(nacks.due(0, 100)).toEqual([]);
    expect(nacks.nextDue(100)).toBeUndefined();
    arrive(nacks, 5, 15);
    expect(nacks.nextDue(100)).toBe(5);
    expect(nacks.due(5, 100)).toEqual([13, 14]);
  });

  test('asks again for a packet still missing one retry interval after its last NACK, not sooner', () => {
    const nacks = new NackGenerator();
    arrive(nacks, 0, 1, 3);
    expect(nacks.due(0, 120)).toEqual([2]);
    expect(nacks.due(5, 120)).toEqual([]);
    expect(nacks.due(119, 120)).toEqual([]);
    expect(nacks.nextDue(120)).toBe(120);
    expect(nacks.due(120, 120)).toEqual([2]);
    // The interval is the caller's current estimate: a longer round trip waits longer.
    expect(nacks.due(300, 200)).toEqual([]);
    expect(nacks.due(320, 200)).toEqual([2]);
  });

  test('stops asking when the packet arrives, and says how often and when it asked for it', () => {
    const nacks = new NackGenerator();
    arrive(nacks, 0, 1, 4);
    nacks.due(0, 50);
    nacks.due(50, 50);
    expect(nacks.received(2, 70)).toEqual({ sequenceNumber: 2, detectedAt: 0, nacks: 2, lastNackAt: 50 });
    expect(nacks.received(2, 71)).toBeUndefined(); // a second copy answers nothing
    expect(nacks.due(200, 50)).toEqual([3]);
    expect(nacks.received(3, 230)).toMatchObject({ nacks: 3, lastNackAt: 200 });
    expect(nacks.missingCount).toBe(0);
    expect(nacks.due(1000, 50)).toEqual([]);
  });

  test('stops asking for what the receiver gave up on', () => {
    const nacks = new NackGenerator();
    arrive(nacks, 0, 1, 3, 6);
    nacks.due(0, 50);
    nacks.forgetBefore(4); // the buffer gave up on 2 and delivered 3
    expect(nacks.due(100, 50)).toEqual([4, 5]);
    expect(nacks.missingCount).toBe(2);
  });

  test('detects and asks for gaps across the 16-bit wrap, oldest first', () => {
    const nacks = new NackGenerator();
    arrive(nacks, 0, 65533, 2);
    expect(nacks.due(0, 50)).toEqual([65534, 65535, 0, 1]);
    expect(nacks.received(0, 10)).toMatchObject({ sequenceNumber: 0 });
    nacks.forgetBefore(1); // given up on 65534 and 65535, across the wrap
    expect(nacks.due(100, 50)).toEqual([1]);
  });

  test('keeps at most maxMissing sequence numbers, the newest', () => {
    const nacks = new NackGenerator({ maxMissing: 4 });
    arrive(nacks, 0, 100, 110);
    expect(nacks.due(0, 50)).toEqual([106, 107, 108, 109]);
    expect(nacks.abandoned).toBe(5);
    arrive(nacks, 1, 113); // 111 and 112 push out 106 and 107
    expect(nacks.due(1, 50)).toEqual([111, 112]);
    expect(nacks.missingCount).toBe(4);
    expect(nacks.abandoned).toBe(7);
  });

  test('gives a packet up after maxNacksPerPacket NACKs', () => {
    const nacks = new NackGenerator({ maxNacksPerPacket: 3 });
    arrive(nacks, 0, 1, 3);
    const sent = [0, 10, 20, 30, 40].map((t) => nacks.due(t, 10));
    expect(sent).toEqual([[2], [2], [2], [], []]);
    expect(nacks.missingCount).toBe(0);
    expect(nacks.abandoned).toBe(1);
  });

  test('a restarted sequence (two far packets in a row) drops what was missing; one stray far packet changes nothing', () => {
    const nacks = new NackGenerator();
    arrive(nacks, 0, 100, 103);
    nacks.received(40000, 1); // stray
    arrive(nacks, 2, 104);
    expect(nacks.due(2, 50)).toEqual([101, 102]);
    // A packet more than 1000 behind is not a reason to ask for everything after it.
    nacks.received(60000, 3);
    arrive(nacks, 4, 105);
    expect(nacks.missingCount).toBe(2);

    arrive(nacks, 10, 30000, 30001); // restart
    expect(nacks.missingCount).toBe(0);
    arrive(nacks, 11, 30003);
    expect(nacks.due(11, 50)).toEqual([30002]);
  });
});
