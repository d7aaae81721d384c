import { QueuedMedia } from '../../../server/rtmp/server/queued-media';
import { TimestampUnwrapper } from '../../../server/rtmp/server/timestamp-unwrapper';

describe('TimestampUnwrapper', () => {
  test('passes the first timestamp through, then follows signed 32-bit steps across the wrap', () => {
    const clock = new TimestampUnwrapper();
    expect([0xfffffff0, 0xfffffffa, 0x00000004, 0x00000002, 0x00000100].map((t) => clock.unwrap(t))).toEqual([
      0xfffffff0, 0xfffffffa, 0x100000004, 0x100000002, 0x100000100,
    ]);
  });
});

describe('QueuedMedia', () => {
  test('is the media time between the oldest unflushed frame and the newest one', () => {
    const queued = new QueuedMedia();
    queued.wrote(1000, 0);
    queued.wrote(2000, 40);
    queued.wrote(3000, 80);
    expect(queued.queuedMs(0)).toBe(80);
    expect(queued.queuedMs(1000)).toBe(40);
    expect(queued.queuedMs(2999)).toBe(0);
    expect(queued.queuedMs(3000)).toBe(0);
  });

  test('keeps working after compacting thousands of flushed marks', () => {
    const queued = new QueuedMedia();
    for (let i = 1; i <= 5000; i++) queued.wrote(i * 100, i * 20);
    // Frames 1..4000 have left the socket: frame 4001 (ts 80020) is the oldest still queued.
    expect(queued.queuedMs(4000 * 100)).toBe(5000 * 20 - 4001 * 20);
    queued.wrote(5001 * 100, 5001 * 20);
    expect(queued.queuedMs(4500 * 100)).toBe(5001 * 20 - 4501 * 20);
  });
});
