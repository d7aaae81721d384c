import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildAdtsHeader } from '../../../server/media/aac/adts-header';
import { AAC_LC } from '../../../server/media/aac/audio-specific-config';
import { recordPcm, rmsDbfs } from '../../support/audio-analysis';
import { readOpusPackets, writeOpusTone } from '../../support/opus-tone';
import { WorkerHarness } from './support/worker-harness';
import { tonePower } from './support/tone';

describe('codec worker: opus-to-aac', () => {
  let dir: string;
  let harness: WorkerHarness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cw-opus-'));
    harness = await WorkerHarness.start();
  });

  afterAll(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The tone is stereo Opus: mono output is the decoder mixing it down (what auto makes of a
  // publisher that sends stereo after negotiating mono), stereo output carries it as it is.
  test.each([2, 1] as const)('a 440 Hz tone comes out as contiguous AAC with %i channel(s), of the same tone and level; malformed packets are refused and the session goes on', async (channels) => {
    const ogg = path.join(dir, `tone-${channels}.ogg`);
    await writeOpusTone(ogg, 3);
    const packets = await readOpusPackets(ogg);
    const malformed = [Buffer.alloc(0), Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) & 0xff)), Buffer.from([0x03, 0x00])];

    const session = 10 + channels;
    harness.worker.open(session, { kind: 'opus-to-aac', bitrateBps: 128_000, channels });
    packets.slice(0, 50).forEach((data) => harness.worker.input({ session, pts: 0, data }));
    await harness.settle();
    const before = harness.outputs(session).length;
    for (const data of malformed) harness.worker.input({ session, pts: 0, data });
    packets.slice(50).forEach((data) => harness.worker.input({ session, pts: 0, data }));
    await harness.settle();

    expect(harness.refused(session)).toHaveLength(malformed.length);
    expect(harness.failed(session)).toEqual([]);
    const outputs = harness.outputs(session);
    expect(outputs.length).toBeGreaterThan(before);
    // The encoder holds back at most a frame or two of lookahead.
    expect(outputs.length).toBeGreaterThanOrEqual(Math.floor((packets.length * 960) / 1024) - 2);
    outputs.forEach((output, k) => expect(output.pts).toBe((k - 1) * 1024));

    const adts = path.join(dir, `out-${channels}.aac`);
    await writeFile(adts, Buffer.concat(outputs.flatMap((o) => [buildAdtsHeader(AAC_LC, 48000, channels, o.data.length), Buffer.from(o.data)])));
    // Skip the first 200 ms (priming and the decoder's start), compare 2 s.
    const decoded = (await recordPcm(adts, { seconds: 2.7 })).subarray(9600);
    const input = (await recordPcm(ogg, { seconds: 2.7 })).subarray(9600);
    const tone = tonePower(decoded, 48000, 440);
    for (const other of [220, 880, 1000]) expect(tone / tonePower(decoded, 48000, other)).toBeGreaterThan(100);
    expect(Math.abs(rmsDbfs(decoded) - rmsDbfs(input))).toBeLessThan(1);
  });
});
