import { FragmentedMp4Writer, type Mp4VideoSample } from '../../../../server/media/containers/mp4/fmp4-writer';
import { Mp4FormatError } from '../../../../server/media/containers/mp4/mp4-format-error';
import { H264FormatError } from '../../../../server/media/h264/h264-format-error';
import { aacFrame, accessUnit, AUDIO_48K, parseFragment, VIDEO_90K, type TestFragment } from './mp4-test-boxes';

const FRAME = 3000; // 30 fps at 90 kHz
const AAC = 1024; // one AAC frame at 48 kHz
const SYNC = 0x02000000;
const NON_SYNC = 0x01010000;

function video(i: number, keyframe: boolean, fields: Partial<Mp4VideoSample> = {}): Mp4VideoSample {
  return { data: accessUnit(keyframe, i), pts: i * FRAME, dts: i * FRAME, keyframe, ...fields };
}

/** Runs `steps` and parses each fragment they return. */
function fragmentsOf(steps: () => Array<Buffer | undefined>): TestFragment[] {
  return steps().filter((f): f is Buffer => f !== undefined).map(parseFragment);
}

describe('FragmentedMp4Writer fragmenting', () => {
  test('a sample is held until its successor gives its duration; a keyframe closes the fragment before it', () => {
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K });
    expect(writer.addVideo(video(0, true))).toBeUndefined();
    expect(writer.addVideo(video(1, false))).toBeUndefined();
    expect(writer.addVideo(video(2, false))).toBeUndefined();
    expect(writer.videoSamples).toBe(0);
    const first = writer.addVideo(video(3, true, { pts: 3 * FRAME + 1500 }));
    expect(first).toBeDefined();
    const fragment = parseFragment(first!);
    expect(fragment.sequenceNumber).toBe(1);
    expect(fragment.tracks).toHaveLength(1);
    const [track] = fragment.tracks;
    expect(track).toMatchObject({ trackId: 1, tfhdFlags: 0x020000, tfdtVersion: 1, baseDecodeTime: 0 });
    expect(track!.trun.version).toBe(1);
    expect(track!.trun.samples.map((s) => [s.duration, s.flags, s.compositionOffset])).toEqual([[FRAME, SYNC, 0], [FRAME, NON_SYNC, 0], [FRAME, NON_SYNC, 0]]);
    expect(track!.data).toEqual([accessUnit(true, 0), accessUnit(false, 1), accessUnit(false, 2)]);
    expect(writer.videoSamples).toBe(3);
    expect(writer.durationMs).toBe(100);

    // flush: the keyframe alone, with its composition offset and the previous duration.
    const last = parseFragment(writer.flush()!);
    expect(last.sequenceNumber).toBe(2);
    expect(last.tracks[0]).toMatchObject({ baseDecodeTime: 3 * FRAME });
    expect(last.tracks[0]!.trun.samples).toEqual([{ duration: FRAME, size: accessUnit(true, 3).length, flags: SYNC, compositionOffset: 1500 }]);
    expect(writer.videoSamples).toBe(4);
    expect(writer.samplesWritten).toBe(4);
    expect(writer.flush()).toBeUndefined();
    expect(() => writer.addVideo(video(4, false))).toThrow(TypeError);
  });

  test('without a keyframe a fragment closes once it spans maxFragmentMs', () => {
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K }, { maxFragmentMs: 500 });
    const fragments = fragmentsOf(() => Array.from({ length: 40 }, (_, i) => writer.addVideo(video(i, i === 0))));
    // 15 samples of 1/30 s span 500 ms: the 16th sample's arrival closes the fragment.
    expect(fragments.map((f) => f.tracks[0]!.trun.samples.length)).toEqual([15, 15]);
    expect(fragments.map((f) => f.tracks[0]!.baseDecodeTime)).toEqual([0, 15 * FRAME]);
    expect(fragments[1]!.tracks[0]!.trun.samples[0]!.flags).toBe(NON_SYNC);
  });

  test('audio-only recordings are cut every maxFragmentMs (2000 by default), the last frame alone gets 1024 samples', () => {
    const writer = new FragmentedMp4Writer({ audio: AUDIO_48K });
    const fragments = fragmentsOf(() => [...Array.from({ length: 200 }, (_, k) => writer.addAudio({ data: aacFrame(k), dts: 5000 + k * AAC })), writer.flush()]);
    const counts = fragments.map((f) => f.tracks[0]!.trun.samples.length);
    expect(counts).toEqual([94, 94, 12]); // 94 × 21.33 ms = 2005 ms ≥ 2000 ms
    expect(fragments.map((f) => f.tracks[0]!.baseDecodeTime)).toEqual([0, 94 * AAC, 188 * AAC]);
    expect(fragments[0]!.tracks[0]).toMatchObject({ trackId: 2 });
    expect(fragments[0]!.tracks[0]!.trun.flags & 0x800).toBe(0); // no composition offsets for audio
    expect(fragments.flatMap((f) => f.tracks[0]!.trun.samples.map((s) => s.duration)).every((d) => d === AAC)).toBe(true);

    const lone = new FragmentedMp4Writer({ audio: AUDIO_48K });
    lone.addAudio({ data: aacFrame(1), dts: 7 });
    expect(parseFragment(lone.flush()!).tracks[0]!.trun.samples[0]!.duration).toBe(AAC);
    const loneVideo = new FragmentedMp4Writer({ video: { ...VIDEO_90K, timescale: 1000 } });
    loneVideo.addVideo({ data: accessUnit(true, 1), pts: 9, dts: 9, keyframe: true });
    expect(parseFragment(loneVideo.flush()!).tracks[0]!.trun.samples[0]!.duration).toBe(33);
  });

  test('a fragment has a traf per track with samples, video first, and one mdat with the video chunk then the audio chunk', () => {
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    const outputs: Array<Buffer | undefined> = [];
    let k = 0;
    for (let i = 0; i < 31; i++) {
      outputs.push(writer.addVideo(video(i, i % 30 === 0)));
      // 1600 audio samples = 3000 ticks at 90 kHz: audio written one picture behind video.
      for (; k * AAC <= (i - 1) * 1600; k++) outputs.push(writer.addAudio({ data: aacFrame(k), dts: k * AAC }));
    }
    const [fragment] = fragmentsOf(() => outputs);
    expect(fragment!.tracks.map((t) => t.trackId)).toEqual([1, 2]);
    const [v, a] = fragment!.tracks;
    expect(v!.trun.samples).toHaveLength(30);
    expect(a!.baseDecodeTime).toBe(0);
    expect(a!.trun.samples.length).toBeGreaterThan(40);
    // The audio chunk follows the video chunk directly in the mdat.
    const videoBytes = v!.trun.samples.reduce((sum, s) => sum + s.size, 0);
    expect(a!.trun.dataOffset).toBe(v!.trun.dataOffset + videoBytes);
    expect(a!.data[3]).toEqual(aacFrame(3));
    expect(fragment!.mdatSize).toBe(8 + videoBytes + a!.trun.samples.reduce((sum, s) => sum + s.size, 0));
  });
});

describe('FragmentedMp4Writer time origin', () => {
  test('the first sample is time 0 for every track, converted to each timescale; a track starting later keeps its offset', () => {
    const origin = 9_000_000_000_123; // a large clock, 90 kHz
    const audioOrigin = Math.floor((origin * 48_000) / 90_000);
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    const outputs = [writer.addVideo(video(0, true, { pts: origin, dts: origin }))];
    for (let k = 0; k < 5; k++) outputs.push(writer.addAudio({ data: aacFrame(k), dts: audioOrigin + 1920 + k * AAC })); // 40 ms later
    outputs.push(writer.addVideo(video(1, false, { pts: origin + FRAME, dts: origin + FRAME })), writer.flush());
    const [fragment] = fragmentsOf(() => outputs);
    expect(fragment!.tracks.map((t) => [t.trackId, t.baseDecodeTime])).toEqual([[1, 0], [2, 1920]]);
    expect(writer.droppedSamples).toBe(0);
    expect(writer.durationMs).toBe(Math.round(((1920 + 5 * AAC) / 48_000) * 1000));
  });

  test('samples earlier than the origin, and video before the first keyframe, are dropped and counted', () => {
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    expect(writer.addVideo(video(10, true))).toBeUndefined();
    writer.addAudio({ data: aacFrame(0), dts: 10 * 1600 - 1000 }); // before the origin: dropped
    writer.addAudio({ data: aacFrame(1), dts: 10 * 1600 }); // at the origin: kept
    expect(writer.droppedSamples).toBe(1);
    const late = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    late.addAudio({ data: aacFrame(0), dts: 48_000 });
    late.addVideo(video(0, false, { pts: 90_000, dts: 90_000 })); // not a keyframe: a decoder cannot start there
    late.addVideo(video(1, true, { pts: 90_000 + FRAME, dts: 90_000 + FRAME }));
    late.addVideo(video(2, false, { pts: 90_000 + 2 * FRAME, dts: 90_000 + 2 * FRAME }));
    expect(late.droppedSamples).toBe(1);
    const [fragment] = fragmentsOf(() => [late.flush()]);
    expect(fragment!.tracks.map((t) => [t.trackId, t.baseDecodeTime, t.trun.samples.length])).toEqual([[1, FRAME, 2], [2, 0, 1]]);
  });
});

describe('FragmentedMp4Writer refusals', () => {
  const refusals: Array<[string, (w: FragmentedMp4Writer) => unknown, string]> = [
    ['a non-integer time', (w) => w.addVideo(video(2, false, { dts: 2 * FRAME + 0.5, pts: 2 * FRAME + 0.5 })), 'MP4_BAD_TIMESTAMP'],
    ['a NaN time', (w) => w.addAudio({ data: aacFrame(1), dts: Number.NaN }), 'MP4_BAD_TIMESTAMP'],
    ['a dts going backwards', (w) => w.addVideo(video(0, false)), 'MP4_DTS_BACKWARDS'],
    ['an audio dts going backwards', (w) => w.addAudio({ data: aacFrame(1), dts: 0 }), 'MP4_DTS_BACKWARDS'],
    ['pts before dts', (w) => w.addVideo(video(2, false, { pts: 2 * FRAME - 1 })), 'MP4_PTS_BEFORE_DTS'],
    ['empty video', (w) => w.addVideo(video(2, false, { data: Buffer.alloc(0) })), 'MP4_EMPTY_SAMPLE'],
    ['empty audio', (w) => w.addAudio({ data: Buffer.alloc(0), dts: 5000 }), 'MP4_EMPTY_SAMPLE'],
    ['broken AVCC', (w) => w.addVideo(video(2, false, { data: Buffer.from([0, 0, 0, 9, 0x41]) })), 'AVCC_LENGTH_OVERRUN'],
  ];

  test.each(refusals)('%s is refused and leaves the writer as it was', (_name, refuse, code) => {
    const steps = (w: FragmentedMp4Writer, bad: boolean): Buffer[] => {
      const out: Array<Buffer | undefined> = [w.addVideo(video(0, true)), w.addAudio({ data: aacFrame(0), dts: 1000 }), w.addVideo(video(1, false))];
      if (bad) {
        let error: unknown;
        try {
          refuse(w);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(Error);
        expect(error).toMatchObject({ code });
        expect(error instanceof Mp4FormatError || error instanceof H264FormatError).toBe(true);
      }
      out.push(w.addVideo(video(2, false)), w.addAudio({ data: aacFrame(1), dts: 2024 }), w.addVideo(video(3, true)), w.flush());
      return out.filter((b): b is Buffer => b !== undefined);
    };
    const refused = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    const clean = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    expect(steps(refused, true)).toEqual(steps(clean, false));
    expect(refused.droppedSamples).toBe(0);
  });

  test('the first sample is refused before it sets the origin', () => {
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K });
    expect(() => writer.addVideo(video(5, true, { pts: 0 }))).toThrow(Mp4FormatError);
    writer.addVideo(video(7, true));
    expect(parseFragment(writer.flush()!).tracks[0]!.baseDecodeTime).toBe(0);
  });

  test('a track the writer does not have, or no track at all, is a programming error', () => {
    expect(() => new FragmentedMp4Writer({ video: VIDEO_90K }).addAudio({ data: aacFrame(1), dts: 0 })).toThrow(TypeError);
    expect(() => new FragmentedMp4Writer({ audio: AUDIO_48K }).addVideo(video(0, true))).toThrow(TypeError);
    expect(() => new FragmentedMp4Writer({})).toThrow(TypeError);
    expect(() => new FragmentedMp4Writer({ video: { ...VIDEO_90K, timescale: 0 } })).toThrow(RangeError);
  });
});
