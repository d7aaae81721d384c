import { readFileSync } from 'node:fs';
import type { CodecJob } from '../../../server/codec/protocol';
import { GATEWAY_NODE_FLAGS } from '../../../server/node-flags';
import { WorkerHarness } from './support/worker-harness';

/** A valid 20 ms Opus packet: code 0, one CELT frame, zero bytes long (decoded as concealment). */
const OPUS_PACKET = Buffer.from([0xfc]);

describe('codec worker lifecycle', () => {
  test('garbage opens fail one by one and leave the worker serving', async () => {
    const harness = await WorkerHarness.start();
    try {
      const garbage: unknown[] = [
        { kind: 'mp3-to-flac' },
        { kind: 'vp8-to-h264', width: 0, height: 240, bitrateKbps: 500, preset: 'veryfast', keyframeIntervalMs: 2000 },
        { kind: 'vp8-to-h264', width: 320, height: 240, bitrateKbps: 500, preset: 'warp-speed', keyframeIntervalMs: 2000 },
        { kind: 'aac-mix', bitrateBps: 96_000, sampleRate: 48000, channels: 2, audioSpecificConfig: new Uint8Array([0xff]) },
        { kind: 'aac-mix', bitrateBps: 96_000, sampleRate: 48000, channels: 6, audioSpecificConfig: new Uint8Array([0x11, 0xb0]) },
        { kind: 'opus-to-aac', bitrateBps: -1, channels: 2 },
        { kind: 'opus-to-aac', bitrateBps: 128_000, channels: 6 },
      ];
      garbage.forEach((job, i) => harness.worker.open(i + 1, job as CodecJob));
      harness.worker.open(100, { kind: 'opus-to-aac', bitrateBps: 128_000, channels: 2 });
      for (let i = 0; i < 20; i++) harness.worker.input({ session: 100, pts: 0, data: OPUS_PACKET });
      await harness.settle();
      garbage.forEach((_, i) => expect(harness.failed(i + 1)).toEqual([expect.stringContaining('could not open')]));
      expect(harness.failed(100)).toEqual([]);
      expect(harness.outputs(100).length).toBeGreaterThan(10);
      expect(harness.worker.exited).toBe(false);
    } finally {
      await harness.close();
    }
  });

  test('a worker killed with SIGKILL reports its exit with the signal; it ran with the gateway\'s V8 flags', async () => {
    const harness = await WorkerHarness.start();
    const commandLine = readFileSync(`/proc/${harness.worker.pid!}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toEqual(expect.arrayContaining([...GATEWAY_NODE_FLAGS]));
    const exited = new Promise<string>((resolve) => harness.worker.once('exit', resolve));
    process.kill(harness.worker.pid!, 'SIGKILL');
    expect(await exited).toMatch(/killed by SIGKILL/);
    expect(harness.worker.exited).toBe(true);
  });
});
