import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import { EndReasons } from '../../../server/hub/end-reason';
import type { Frame } from '../../../server/hub/frame';
import { HubStream } from '../../../server/hub/stream';
import { AdtsParser } from '../../../server/media/aac/adts-parser';
import { AAC_LC, buildAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { OggOpusWriter } from '../../../server/media/containers/ogg-opus-writer';
import { BatchTicker } from '../../../server/transcode/batch-ticker';
import { opusFromAac } from '../../../server/transcode/opus-from-aac';
import { dominantFrequency, recordPcm } from '../../support/audio-analysis';
import { collectFrames } from '../../support/hub-readers';
import { runOrThrow } from '../../support/processes';
import { waitFor } from '../../support/wait-for';

const silent = pino({ level: 'silent' });
const FFMPEG_TIMEOUT_MS = 20_000;
const RATE = 44100;
const SECONDS = 3;
/** RTMP time of the first AAC frame, ms: the stream clock's origin is arbitrary. */
const FIRST_PTS_MS = 10_000;
const OPUS_PACKET = 960;
/** Where a sample crosses this, the tone has started (it is 0.5 of full scale; before it, digital silence). */
const ONSET_LEVEL = 0.1;

/** 0.5 s of silence, then a 440 Hz tone, as ADTS (to decode as the reference) and as the raw frames RTMP carries. */
async function aacWithOnset(file: string): Promise<Buffer[]> {
  const source = `aevalsrc='if(gte(t,0.5),0.5*sin(2*PI*440*t),0)':s=${RATE}:d=${SECONDS}`;
  const args = ['-v', 'error', '-f', 'lavfi', '-i', source, '-ac', '2', '-c:a', 'aac', '-b:a', '128k', '-f', 'adts', 'pipe:1'];
  const { stdout } = await runOrThrow('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS });
  await writeFile(file, stdout);
  return new AdtsParser().push(stdout).map((frame) => Buffer.from(frame.data));
}

/** The first sample at or above ONSET_LEVEL. */
function onsetOf(samples: Float32Array): number {
  const index = samples.findIndex((s) => Math.abs(s) >= ONSET_LEVEL);
  if (index === -1) throw new Error('no onset in the signal');
  return index;
}

describe('opusFromAac: Opus for WebRTC viewers of an RTMP stream', () => {
  let dir: string;
  let adts: string;
  let frames: Buffer[];
  let pool: CodecPool;
  let stream: HubStream;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'opus-from-aac-'));
    adts = path.join(dir, 'input.aac');
    frames = await aacWithOnset(adts);
  });

  beforeEach(() => {
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1 }, silent);
    stream = new HubStream('rtmp-stream', { kind: 'rtmp', mediaSessionId: 'c1', requestKeyframe: () => undefined }, [opusFromAac({ pool, batches: new BatchTicker(60) })], silent);
  });

  afterEach(async () => {
    stream.close(EndReasons.publisherStop);
    await pool.close();
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** RTMP time of AAC frame `k`, ms. */
  function rtmpTime(k: number): number {
    return FIRST_PTS_MS + Math.round((k * 1024 * 1000) / RATE);
  }

  /**
   * Writes the AAC frames as RTMP would: a millisecond clock, in real time (or `speed` times
   * faster), frame k at `ptsOf(k)`; resolves when all are written.
   */
  function publish(ptsOf = rtmpTime, speed = 1): Promise<void> {
    const track = stream.addTrack({ kind: 'audio', codec: 'aac', timescale: 1000, params: { codec: 'aac', config: buildAudioSpecificConfig(AAC_LC, RATE, 2), sampleRate: RATE, channels: 2 } });
    const started = performance.now();
    let next = 0;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        for (; next < frames.length; next++) {
          if ((next * 1024 * 1000) / RATE > (performance.now() - started) * speed) return;
          const pts = ptsOf(next);
          stream.write({ track, pts, dts: pts, keyframe: true, data: frames[next]!, wallClock: Date.now(), receivedAt: performance.now() });
        }
        clearInterval(timer);
        resolve();
      }, 10);
    });
  }

  test('a reader asking for Opus gets 20 ms packets on the 48 kHz clock, lined up with the AAC, of the same tone', async () => {
    const publishing = publish();
    const { frames: opus } = collectFrames(stream, { codecs: ['opus'], fromCache: false });
    await publishing;
    // All but the encoder's last packets: the input ends without a flush.
    const expected = Math.floor((frames.length * 1024 * 48000) / RATE / OPUS_PACKET) - 2;
    await waitFor('the Opus of every AAC frame', () => opus.length >= expected, 10_000, 20);

    const track = opus[0]!.track;
    expect(track).toMatchObject({ codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: 2 }, derivedFrom: stream.audio!.id });
    const first = opus[0]!.pts;
    opus.forEach((frame, k) => expect(frame.pts).toBe(first + k * OPUS_PACKET));
    expect(opus.every((f) => f.receivedAt !== undefined && Math.abs(f.wallClock - Date.now()) < 10_000)).toBe(true);

    // Where the tone starts, in ms on the stream clock: in the AAC (decoded by ffmpeg from its first
    // frame, at FIRST_PTS_MS) and in the Opus (decoded from its first packet, at `first`).
    const reference = await recordPcm(adts, { seconds: SECONDS + 1 });
    const aacOnsetMs = FIRST_PTS_MS + (onsetOf(reference) * 1000) / 48000;
    const ogg = path.join(dir, 'output.ogg');
    const writer = new OggOpusWriter({ channels: 2 });
    await writeFile(ogg, Buffer.concat([writer.headerPages(), ...opus.map((f) => writer.packetPage(f.data))]));
    const decoded = await recordPcm(ogg, { seconds: SECONDS + 1 });
    const opusOnsetMs = ((first + onsetOf(decoded)) * 1000) / 48000;
    const offsetMs = opusOnsetMs - aacOnsetMs;
    const frequency = dominantFrequency(decoded.subarray(48000, 48000 * 2), 48000);
    process.stdout.write(`opus-from-aac: first packet at ${first} (${((first * 1000) / 48000).toFixed(2)} ms), tone onset ${offsetMs.toFixed(2)} ms from the AAC's, ${frequency.toFixed(2)} Hz\n`);
    expect(Math.abs(offsetMs)).toBeLessThan(50);
    expect(Math.abs(frequency - 440)).toBeLessThan(2);
  });

  test('a pause in the AAC times restarts the Opus at the new time; a small step back drops the packets that would overlap', async () => {
    // Frame 40 comes 1 s late (a pause), frame 80 on 100 ms early (the publisher's clock stepped back).
    const ptsOf = (k: number): number => rtmpTime(k) + (k >= 40 ? 1000 : 0) - (k >= 80 ? 100 : 0);
    const publishing = publish(ptsOf, 4);
    const { frames: opus } = collectFrames(stream, { codecs: ['opus'], fromCache: false });
    await publishing;
    // Less the 100 ms (5 packets) dropped and the encoder's last packets.
    const expected = Math.floor((frames.length * 1024 * 48000) / RATE / OPUS_PACKET) - 5 - 2;
    await waitFor('the Opus of every AAC frame', () => opus.length >= expected, 10_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 300)); // and whatever the worker still sends

    const steps = opus.slice(1).map((f, k) => f.pts - opus[k]!.pts);
    const jumps = steps.filter((step) => step !== OPUS_PACKET);
    // The pause's jump (to within RTMP's ms rounding), then after the step back whole packets are
    // dropped: what is left of the overlap is a gap of less than one ms. Times never go back.
    expect(jumps.length).toBeLessThanOrEqual(2);
    expect(Math.abs(jumps[0]! - (48_000 + OPUS_PACKET))).toBeLessThanOrEqual(48);
    if (jumps[1] !== undefined) expect(jumps[1] - OPUS_PACKET).toBeLessThan(48);
    expect(steps.every((step) => step >= OPUS_PACKET)).toBe(true);
    // The last packets follow the input's last times: they end where the AAC does, less what the encoder holds back.
    const aacEnd = (ptsOf(frames.length - 1) * 48000) / 1000 + (1024 * 48000) / RATE;
    const opusEnd = opus.at(-1)!.pts + OPUS_PACKET;
    process.stdout.write(`opus-from-aac: ${opus.length} packets, steps other than 960: ${jumps.join(', ')}, Opus ends ${((aacEnd - opusEnd) / 48).toFixed(1)} ms before the AAC\n`);
    expect(aacEnd - opusEnd).toBeGreaterThanOrEqual(0);
    expect(aacEnd - opusEnd).toBeLessThan(3 * OPUS_PACKET);
  });

  test('two readers share one codec session; the derivation stops once the last reader has gone', async () => {
    const open = jest.spyOn(pool, 'open');
    const publishing = publish();
    const a = collectFrames(stream, { codecs: ['h264', 'opus'], fromCache: false });
    await waitFor('Opus for the first reader', () => a.frames.length > 10, 10_000, 20);
    const b = collectFrames(stream, { codecs: ['h264', 'opus'], fromCache: false });
    await waitFor('Opus for the second reader', () => b.frames.length > 10, 10_000, 20);

    expect(open).toHaveBeenCalledTimes(1);
    expect(pool.stats().workers.map((w) => w.sessions)).toEqual([1]);
    expect(b.frames[0]!.track).toBe(a.frames[0]!.track);
    // The same packets: the second reader's first is one the first reader got too.
    const shared = a.frames.find((f: Frame) => f.pts === b.frames[0]!.pts);
    expect(shared?.data.equals(b.frames[0]!.data)).toBe(true);

    a.reader.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pool.stats().workers.map((w) => w.sessions)).toEqual([1]); // b still reads
    b.reader.close();
    const closedAt = performance.now();
    // The hub keeps an unread derivation for a while in case a reader comes back, then stops it: its reader of the AAC goes, and its codec session.
    await waitFor('the derivation to stop', () => stream.readerCount === 0 && pool.stats().workers.every((w) => w.sessions === 0), 10_000, 50);
    process.stdout.write(`opus-from-aac: stopped ${Math.round(performance.now() - closedAt)} ms after the last reader closed\n`);
    await publishing;
    expect(open).toHaveBeenCalledTimes(1);
  });
});
