import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CodecOutput } from '../../../server/codec/protocol';
import { AdtsParser } from '../../../server/media/aac/adts-parser';
import { AAC_LC, buildAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { OggOpusWriter } from '../../../server/media/containers/ogg-opus-writer';
import { dominantFrequency, recordPcm, rmsDbfs } from '../../support/audio-analysis';
import { runOrThrow } from '../../support/processes';
import { WorkerHarness } from './support/worker-harness';

const FFMPEG_TIMEOUT_MS = 20_000;
const SECONDS = 2;
const OPUS_PACKET = 960;

/** A 440 Hz tone in every channel, encoded by the ffmpeg CLI to `file` (ADTS), and its raw AAC frames as an RTMP publisher sends them. */
async function aacTone(file: string, sampleRate: number, channels: 1 | 2 | 6): Promise<Buffer[]> {
  const layout = { 1: 'mono|c0=c0', 2: 'stereo|c0=c0|c1=c0', 6: '5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0' }[channels];
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}`, '-t', String(SECONDS), '-af', `pan=${layout}`, '-c:a', 'aac', '-b:a', '96k', '-f', 'adts', 'pipe:1'];
  const { stdout } = await runOrThrow('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS });
  await writeFile(file, stdout);
  return new AdtsParser().push(stdout).map((frame) => Buffer.from(frame.data));
}

/** Writes the packets as Ogg Opus whose first decoded sample is the first packet's sample 0 (no pre-skip), and decodes it. */
async function decodeOpus(file: string, packets: readonly CodecOutput[], channels: 1 | 2): Promise<Float32Array> {
  const writer = new OggOpusWriter({ channels });
  await writeFile(file, Buffer.concat([writer.headerPages(), ...packets.map((p) => writer.packetPage(Buffer.from(p.data)))]));
  return recordPcm(file, { seconds: SECONDS + 1 });
}

describe('codec worker: aac-to-opus', () => {
  let dir: string;
  let harness: WorkerHarness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cw-aac-opus-'));
    harness = await WorkerHarness.start();
  });

  afterAll(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  test.each([
    { session: 1, sampleRate: 48000, channels: 2 },
    { session: 2, sampleRate: 44100, channels: 1 },
    { session: 5, sampleRate: 48000, channels: 6 },
  ] as const)('a 440 Hz tone at $sampleRate Hz, $channels channel(s): contiguous 20 ms Opus packets (mono or stereo) of the same tone and level', async ({ session, sampleRate, channels }) => {
    const opusChannels = channels === 1 ? 1 : 2;
    const adts = path.join(dir, `tone-${session}.aac`);
    const frames = await aacTone(adts, sampleRate, channels);
    harness.worker.open(session, { kind: 'aac-to-opus', sampleRate, channels, audioSpecificConfig: buildAudioSpecificConfig(AAC_LC, sampleRate, channels), bitrateBps: 64_000 });
    frames.forEach((data) => harness.worker.input({ session, pts: 0, data }));
    await harness.settle();

    expect(harness.failed(session)).toEqual([]);
    expect(harness.refused(session)).toEqual([]);
    const outputs = harness.outputs(session);
    // Every 20 ms the input allows, less the encoder's pre-skip and the resampler's delay.
    const inputSamples48k = (frames.length * 1024 * 48000) / sampleRate;
    expect(outputs.length).toBeGreaterThanOrEqual(Math.floor(inputSamples48k / OPUS_PACKET) - 1);
    const first = outputs[0]!.pts;
    // libopus' pre-skip: the first packet starts a few ms before the first input sample.
    expect(first).toBeLessThan(0);
    expect(first).toBeGreaterThan(-OPUS_PACKET);
    outputs.forEach((output, k) => expect(output.pts).toBe(first + k * OPUS_PACKET));
    // TOC byte: config 31 (CELT fullband 20 ms), the stereo flag unless the input is mono.
    expect(outputs.every((o) => o.data[0]! >> 3 === 31 && ((o.data[0]! & 0x04) !== 0) === (opusChannels === 2))).toBe(true);

    // Skip the first 200 ms (priming, the decoders' start), compare 1 s; both sides are the average
    // of their channels, so a downmix that clipped or lost level would show.
    const decoded = (await decodeOpus(path.join(dir, `tone-${session}.ogg`), outputs, opusChannels)).subarray(9600, 9600 + 48000);
    const input = (await recordPcm(adts, { seconds: SECONDS })).subarray(9600, 9600 + 48000);
    const frequency = dominantFrequency(decoded, 48000);
    const level = rmsDbfs(decoded);
    process.stdout.write(`aac-to-opus ${sampleRate} Hz ${channels} ch: first pts ${first}, ${outputs.length} packets, ${frequency.toFixed(2)} Hz at ${level.toFixed(2)} dBFS (input ${rmsDbfs(input).toFixed(2)})\n`);
    expect(Math.abs(frequency - 440)).toBeLessThan(2);
    expect(level).toBeGreaterThan(-40);
    expect(Math.abs(level - rmsDbfs(input))).toBeLessThan(1);
  });

  test('output times count from the first input sample: a tone 500 ms into the AAC (plus its encoder priming) starts there in the Opus', async () => {
    const session = 3;
    // AAC encoded by the CLI: its frames' decoded audio is the input delayed by the encoder's 1024-sample priming.
    const args = ['-v', 'error', '-f', 'lavfi', '-i', "aevalsrc='if(gte(t,0.5),0.5*sin(2*PI*440*t),0)':s=44100:d=1", '-c:a', 'aac', '-b:a', '96k', '-f', 'adts', 'pipe:1'];
    const frames = new AdtsParser().push((await runOrThrow('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS })).stdout).map((f) => Buffer.from(f.data));
    harness.worker.open(session, { kind: 'aac-to-opus', sampleRate: 44100, channels: 1, audioSpecificConfig: buildAudioSpecificConfig(AAC_LC, 44100, 1), bitrateBps: 32_000 });
    frames.forEach((data) => harness.worker.input({ session, pts: 0, data }));
    await harness.settle();
    const outputs = harness.outputs(session);
    const decoded = await decodeOpus(path.join(dir, 'onset.ogg'), outputs, 1);
    const onset = decoded.findIndex((s) => Math.abs(s) > 0.1) + outputs[0]!.pts;
    const expected = 0.5 * 48000 + (1024 * 48000) / 44100;
    process.stdout.write(`aac-to-opus onset at ${onset}, expected ${expected.toFixed(0)} (48 kHz samples)\n`);
    // Within a millisecond; a 440 Hz sine crosses 0.1 within 0.2 ms of its start.
    expect(Math.abs(onset - expected)).toBeLessThan(48);
  });

  test('empty, oversized and junk frames are refused without a crash; the session goes on', async () => {
    const session = 4;
    const frames = await aacTone(path.join(dir, 'junk.aac'), 48000, 2);
    harness.worker.open(session, { kind: 'aac-to-opus', sampleRate: 48000, channels: 2, audioSpecificConfig: buildAudioSpecificConfig(AAC_LC, 48000, 2), bitrateBps: 64_000 });
    frames.slice(0, 30).forEach((data) => harness.worker.input({ session, pts: 0, data }));
    await harness.settle();
    const before = harness.outputs(session).length;
    const junk = [Buffer.alloc(0), Buffer.alloc(2 * 768 + 1, 0x5a), Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 7919 + 13) & 0xff)), Buffer.from([0xff, 0xf1, 0x50, 0x80])];
    for (const data of junk) harness.worker.input({ session, pts: 0, data });
    frames.slice(30).forEach((data) => harness.worker.input({ session, pts: 0, data }));
    await harness.settle();

    expect(harness.worker.exited).toBe(false);
    expect(harness.failed(session)).toEqual([]);
    // The empty and oversized ones never reach the decoder; the decoder turns the junk down.
    expect(harness.refused(session)).toHaveLength(junk.length);
    expect(harness.outputs(session).length).toBeGreaterThan(before + 50);
  });

  test.each([
    ['an AudioSpecificConfig that is not AAC-LC', 10, { audioSpecificConfig: buildAudioSpecificConfig(1, 48000, 2) }],
    ['a truncated AudioSpecificConfig', 11, { audioSpecificConfig: Uint8Array.of(0x11) }],
    ['9 channels', 12, { channels: 9 }],
    ['a bitrate of 1 Mbit/s', 13, { bitrateBps: 1_000_000 }],
  ])('%s: the session fails to open, the worker goes on', async (_, session, change) => {
    harness.worker.open(session, { kind: 'aac-to-opus', sampleRate: 48000, channels: 2, audioSpecificConfig: buildAudioSpecificConfig(AAC_LC, 48000, 2), bitrateBps: 64_000, ...change });
    harness.worker.input({ session, pts: 0, data: Buffer.alloc(10) });
    await harness.settle();
    expect(harness.failed(session)).toHaveLength(1);
    expect(harness.worker.exited).toBe(false);
  });
});
