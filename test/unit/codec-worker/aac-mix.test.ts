import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildAdtsHeader } from '../../../server/media/aac/adts-header';
import { AdtsParser } from '../../../server/media/aac/adts-parser';
import { AAC_LC, buildAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { recordPcm } from '../../support/audio-analysis';
import { runOrThrow } from '../../support/processes';
import { WorkerHarness } from './support/worker-harness';
import { tonePower } from './support/tone';

const FFMPEG_TIMEOUT_MS = 20_000;
const SECONDS = 2;

/** Raw AAC frames of a tone encoded by the ffmpeg CLI, as a push would send them. */
async function aacTone(frequency: number, sampleRate: number, channels: number): Promise<Buffer[]> {
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=${sampleRate}`, '-t', String(SECONDS), '-ac', String(channels), '-c:a', 'aac', '-b:a', '96k', '-f', 'adts', 'pipe:1'];
  const { stdout } = await runOrThrow('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS });
  return new AdtsParser().push(stdout).map((frame) => frame.data);
}

/** A clip tone as the gateway sends it: 48 kHz stereo s16le. */
async function clipTone(frequency: number): Promise<Buffer> {
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`, '-t', String(SECONDS + 1), '-ac', '2', '-f', 's16le', 'pipe:1'];
  return (await runOrThrow('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS })).stdout;
}

/** Cuts the clip into one chunk per AAC frame, with the gateway's carry. */
function clipChunks(clip: Buffer, sampleRate: number, count: number): Buffer[] {
  const chunks: Buffer[] = [];
  let position = 0;
  let carry = 0;
  for (let i = 0; i < count; i++) {
    const wanted = (1024 * 48000) / sampleRate + carry;
    const samples = Math.floor(wanted);
    carry = wanted - samples;
    chunks.push(clip.subarray(position * 4, (position + samples) * 4));
    position += samples;
  }
  return chunks;
}

describe('codec worker: aac-mix', () => {
  let dir: string;
  let harness: WorkerHarness;
  let clip: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cw-mix-'));
    harness = await WorkerHarness.start();
    clip = await clipTone(1000);
  });

  afterAll(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  test.each([
    { session: 1, sampleRate: 48000, channels: 2 },
    { session: 2, sampleRate: 44100, channels: 1 },
  ])('a 440 Hz push at $sampleRate Hz, $channels channel(s), mixed with a 1 kHz clip: both tones, one frame per input, the input slots', async ({ session, sampleRate, channels }) => {
    const frames = await aacTone(440, sampleRate, channels);
    const chunks = clipChunks(clip, sampleRate, frames.length);
    const audioSpecificConfig = buildAudioSpecificConfig(AAC_LC, sampleRate, channels);
    harness.worker.open(session, { kind: 'aac-mix', bitrateBps: 96_000, sampleRate, channels, audioSpecificConfig });
    const slots = frames.map((_, i) => 5_000 + i * 23);
    frames.forEach((data, i) => harness.worker.input({ session, pts: slots[i]!, data, clip: chunks[i]! }));
    await harness.settle();
    // The encoder holds back a frame or two of lookahead until the input ends.
    expect(harness.outputs(session).length).toBeGreaterThanOrEqual(frames.length - 2);
    await harness.drain(session);

    expect(harness.failed(session)).toEqual([]);
    expect(harness.refused(session)).toEqual([]);
    const outputs = harness.outputs(session);
    // Drained: every input has its mixed frame, in order, in its slot.
    expect(outputs.map((o) => o.pts)).toEqual(slots);

    const adts = path.join(dir, `mix-${session}.aac`);
    await writeFile(adts, Buffer.concat(outputs.flatMap((o) => [buildAdtsHeader(AAC_LC, sampleRate, channels, o.data.length), Buffer.from(o.data)])));
    const decoded = (await recordPcm(adts, { seconds: SECONDS, sampleRate })).subarray(Math.round(sampleRate * 0.2));
    const noise = tonePower(decoded, sampleRate, 3000);
    expect(tonePower(decoded, sampleRate, 440) / noise).toBeGreaterThan(100);
    expect(tonePower(decoded, sampleRate, 1000) / noise).toBeGreaterThan(100);
    // Both at the level they went in with (lavfi's sine: 1/8 of full scale each).
    expect(tonePower(decoded, sampleRate, 440) / tonePower(decoded, sampleRate, 1000)).toBeGreaterThan(0.7);
    expect(tonePower(decoded, sampleRate, 440) / tonePower(decoded, sampleRate, 1000)).toBeLessThan(1.4);
  });

  test('a clip of the wrong length, an odd length, a missing clip or an oversized frame is refused; the next frame is mixed', async () => {
    const session = 3;
    const frames = await aacTone(440, 48000, 2);
    const chunks = clipChunks(clip, 48000, frames.length);
    harness.worker.open(session, { kind: 'aac-mix', bitrateBps: 96_000, sampleRate: 48000, channels: 2, audioSpecificConfig: buildAudioSpecificConfig(AAC_LC, 48000, 2) });
    harness.worker.input({ session, pts: 0, data: frames[0]!, clip: chunks[0]!.subarray(0, 4000) });
    harness.worker.input({ session, pts: 0, data: frames[0]!, clip: chunks[0]!.subarray(0, 4095) });
    harness.worker.input({ session, pts: 0, data: frames[0]! });
    harness.worker.input({ session, pts: 0, data: Buffer.alloc(2 * 768 + 1), clip: chunks[0]! });
    frames.slice(0, 10).forEach((data, i) => harness.worker.input({ session, pts: i, data, clip: chunks[i]! }));
    await harness.settle();
    expect(harness.refused(session)).toHaveLength(4);
    expect(harness.failed(session)).toEqual([]);
    expect(harness.outputs(session).map((o) => o.pts)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].slice(0, harness.outputs(session).length));
    expect(harness.outputs(session).length).toBeGreaterThanOrEqual(8);
  });
});
