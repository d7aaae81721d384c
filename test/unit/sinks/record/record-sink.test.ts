import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Frame } from '../../../../server/hub/frame';
import type { Track } from '../../../../server/hub/track';
import { RecordSink } from '../../../../server/sinks/record/record-sink';
import { RecordingLedger } from '../../../../server/sinks/record/recording-ledger';
import { STOP_GRACEFULLY } from '../../../../server/sinks/sink';
import { ManualSinkInput } from '../../../support/manual-sink-input';
import { aacParams, frameOf, h264Params, track } from '../../../support/media-frames';
import { AAC_CONFIG, PPS, SPS, aacFrame, accessUnit, all, boxesIn, childrenOf, find } from '../../media/mp4/mp4-test-boxes';

const silent = pino({ level: 'silent' });
/** 25 fps at 90 kHz. */
const FRAME_TICKS = 3600;
/** A keyframe every 10 pictures (0.4 s). */
const GOP = 10;
/** AAC frame at 48 kHz. */
const AAC_TICKS = 1024;
/** Audio arrives this long after the video of the same time, ms (as the gateway's transcoder delivers it). */
const AUDIO_LAG_MS = 60;

/** Sample counts of each track of a regular MP4, and whether its first video sample is a keyframe. */
async function sampleCounts(file: string): Promise<{ video: number; audio: number; startsOnKeyframe: boolean }> {
  const moov = find(boxesIn(await readFile(file)), 'moov');
  const counts = { video: 0, audio: 0, startsOnKeyframe: false };
  for (const trak of all(childrenOf(moov), 'trak')) {
    const handler = find(childrenOf(trak), 'mdia/hdlr').body.toString('latin1', 8, 12);
    const stbl = childrenOf(find(childrenOf(trak), 'mdia/minf/stbl'));
    const count = find(stbl, 'stsz').body.readUInt32BE(8);
    if (handler === 'vide') {
      counts.video = count;
      counts.startsOnKeyframe = find(stbl, 'stss').body.readUInt32BE(8) === 1;
    } else counts.audio = count;
  }
  return counts;
}

/** Video and audio frames of `seconds`, in the order the sink gets them: audio AUDIO_LAG_MS behind. */
function interleaved(video: Track | undefined, audio: Track, seconds: number): Frame[] {
  const out: Frame[] = [];
  let a = 0;
  const audioMs = (i: number) => (i * AAC_TICKS * 1000) / 48_000;
  const pictures = video ? (seconds * 1000) / 40 : 0;
  for (let v = 0; v < pictures; v++) {
    out.push(frameOf(video!, v * FRAME_TICKS, { keyframe: v % GOP === 0, data: accessUnit(v % GOP === 0, v) }));
    while (audioMs(a) <= v * 40 - AUDIO_LAG_MS) out.push(frameOf(audio, a * AAC_TICKS, { data: aacFrame(a++) }));
  }
  while (audioMs(a) < seconds * 1000 - (video ? AUDIO_LAG_MS : 0)) out.push(frameOf(audio, a * AAC_TICKS, { data: aacFrame(a++) }));
  return out;
}

describe('record sink', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'record-sink-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function record(tracks: { video: Track | undefined; audio: Track }, frames: readonly Frame[]): Promise<RecordingLedger> {
    const ledger = new RecordingLedger({ fileTemplate: 'rec-{index}', rotation: { kind: 'duration', ms: 1000 } }, '1s');
    const sink = new RecordSink({ recordDir: dir, ledger, streamName: 'cam', mediaSessionId: 'id1', minFreeBytes: 0, maxFragmentMs: 2000, logger: silent });
    const input = new ManualSinkInput(tracks);
    const abort = new AbortController();
    const running = sink.run(input, abort.signal);
    await input.started;
    for (let i = 0; i < frames.length; i += 5) input.frames(...frames.slice(i, i + 5));
    abort.abort(STOP_GRACEFULLY);
    await running;
    return ledger;
  }

  test('rotation: each file starts on a keyframe and holds the audio of its own time; nothing lost or doubled', async () => {
    const video = track('video', 'h264', 90_000, h264Params(320, 240, SPS, PPS));
    const audio = track('audio', 'aac', 48_000, aacParams(AAC_CONFIG, 48_000, 2));
    const frames = interleaved(video, audio, 3.5);
    const ledger = await record({ video, audio }, frames);
    const files = ledger.status().files;
    // Keyframes every 0.4 s: cuts at 1.2, 2.4 s (the first keyframes at or past 1 s into each file).
    expect(files.map((f) => f.fileName)).toEqual(['rec-1.mp4', 'rec-2.mp4', 'rec-3.mp4']);
    expect((await readdir(dir)).sort()).toEqual(['rec-1.mp4', 'rec-2.mp4', 'rec-3.mp4']);
    const counts = await Promise.all(files.map((f) => sampleCounts(path.join(dir, f.fileName))));
    expect(counts.map((c) => c.video)).toEqual([30, 30, 28]);
    expect(counts.every((c) => c.startsOnKeyframe)).toBe(true);
    // Audio before 1.2 s in the first file, 1.2–2.4 s in the second, the rest in the third: by count of 21.33 ms frames.
    const audioTimes = frames.filter((f) => f.track === audio).map((f) => (f.dts * 1000) / 48_000);
    const expected = [[0, 1200], [1200, 2400], [2400, Infinity]].map(([from, to]) => audioTimes.filter((ms) => ms >= from! && ms < to!).length);
    expect(counts.map((c) => c.audio)).toEqual(expected);
    expect(counts.reduce((sum, c) => sum + c.audio, 0)).toBe(audioTimes.length);
    expect(files.map((f) => f.finalized)).toEqual([true, true, true]);
  });

  test('audio only: files cut on the rotation point, every frame once', async () => {
    const audio = track('audio', 'aac', 48_000, aacParams(AAC_CONFIG, 48_000, 2));
    const frames = interleaved(undefined, audio, 2.5);
    const ledger = await record({ video: undefined, audio }, frames);
    const files = ledger.status().files;
    expect(files).toHaveLength(3);
    const counts = await Promise.all(files.map((f) => sampleCounts(path.join(dir, f.fileName))));
    expect(counts.every((c) => c.video === 0)).toBe(true);
    expect(counts.reduce((sum, c) => sum + c.audio, 0)).toBe(frames.length);
    // 1 s of 21.33 ms frames, give or take the one that straddles the point.
    expect(Math.abs(counts[0]!.audio - 47)).toBeLessThanOrEqual(1);
  });
});
