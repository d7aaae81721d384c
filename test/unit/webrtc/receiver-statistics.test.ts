import path from 'node:path';
import { countReceivedPacket, isWeriftStreamStatistics, type WeriftStreamStatistics } from '../../../server/webrtc/receiver-statistics';

/** werift 0.25.2's own StreamStatistics, loaded from its file (the package exports only its index). */
interface WeriftStats extends WeriftStreamStatistics {
  add(packet: { header: { sequenceNumber: number; timestamp: number; serializeSize: number }; payload: Buffer }, nowSeconds?: number): void;
  readonly jitter: number;
  readonly packets_lost: number;
  readonly packets_expected: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file path the package's exports do not list
const { StreamStatistics } = require(path.join(path.dirname(require.resolve('werift')), 'media/receiver/statistics.js')) as { StreamStatistics: new (clockRate: number) => WeriftStats };

describe('countReceivedPacket', () => {
  test('leaves werift\'s statistics as werift\'s own add does: counts, wrap cycles, loss and jitter, over reordering, duplicates and a 16-bit wrap', () => {
    const theirs = new StreamStatistics(90000);
    const ours = new StreamStatistics(90000);
    expect(isWeriftStreamStatistics(ours)).toBe(true);
    // Seeded walk: 30 fps with 5 packets per frame, arrival jitter up to 30 ms, a few packets
    // swapped, repeated and dropped, starting just before the sequence number wraps.
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let sequence = 65000;
    const startMs = 1_765_000_000_000.25;
    for (let i = 0; i < 3000; i++) {
      const frame = Math.floor(i / 5);
      const timestamp = (frame * 3000) >>> 0;
      const nowMs = startMs + frame * 33.3 + random() * 30;
      let sequenceNumber = sequence;
      sequence = (sequence + 1) & 0xffff;
      const roll = random();
      if (roll < 0.02) continue; // lost
      if (roll < 0.04) sequenceNumber = (sequenceNumber - 3) & 0xffff; // late or repeated
      const payload = Buffer.alloc(200 + (i % 900));
      const headerBytes = 12 + (i % 3) * 4;
      theirs.add({ header: { sequenceNumber, timestamp, serializeSize: headerBytes }, payload }, nowMs / 1000);
      countReceivedPacket(ours, sequenceNumber, timestamp, payload.length, headerBytes, nowMs);
    }
    const fields = (stats: WeriftStats): object => ({
      base_seq: stats.base_seq, max_seq: stats.max_seq, cycles: stats.cycles, packets_received: stats.packets_received,
      bytesReceived: stats.bytesReceived, headerBytesReceived: stats.headerBytesReceived, jitter_q4: stats.jitter_q4,
      last_arrival: stats.last_arrival, last_timestamp: stats.last_timestamp, jitter: stats.jitter, packets_lost: stats.packets_lost,
    });
    expect(fields(ours)).toEqual(fields(theirs));
    expect(ours.cycles).toBe(0x10000);
    expect(ours.packets_lost).toBeGreaterThan(0);
    expect(ours.jitter).toBeGreaterThan(0);
    expect(ours.lastPacketReceivedTimestamp).toBeGreaterThan(startMs);
  });

  test('refuses an object without werift\'s fields, so the fast path leaves such a stream to werift', () => {
    expect(isWeriftStreamStatistics({ add: () => undefined })).toBe(false);
    expect(isWeriftStreamStatistics({ ...new StreamStatistics(48000), jitter_q4: undefined })).toBe(false);
  });
});
