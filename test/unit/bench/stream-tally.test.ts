import { buildFrameMarker } from '../../../bench/frame-marker';
import { FREEZE_THRESHOLD_MS, StreamTally } from '../../../bench/stream-tally';

/** An AVC NALU tag body (FLV video) holding a frame marker and a slice. */
function videoTag(keyframe: boolean, sequence: number, sentAtMs: number): Buffer {
  const nals = [buildFrameMarker({ sequence, sentAtMs }), Buffer.from([keyframe ? 0x65 : 0x41, 0x88, 0x80])];
  const avcc = Buffer.concat(nals.flatMap((nal) => [Buffer.from([0, 0, 0, nal.length]), nal]));
  return Buffer.concat([Buffer.from([keyframe ? 0x17 : 0x27, 0x01, 0, 0, 0]), avcc]);
}

const AVC_SEQUENCE_HEADER = Buffer.from([0x17, 0x00, 0, 0, 0, 1, 0x42, 0xe0, 0x1f]);
const AAC_SEQUENCE_HEADER = Buffer.from([0xaf, 0x00, 0x11, 0x90]);
const AAC_FRAME = Buffer.from([0xaf, 0x01, 0x21, 0x10]);

describe('StreamTally', () => {
  test('counts frames, first arrival, latencies and keyframe gaps; sequence headers are not frames', () => {
    const tally = new StreamTally();
    tally.onVideo(0, AVC_SEQUENCE_HEADER, 1000);
    expect(tally.firstVideoAtMs).toBeUndefined();
    // Frames 0..59 sent every 33 ms from t=0, each arriving 5 ms later; keyframes at 0 and 30.
    for (let i = 0; i < 60; i++) tally.onVideo(i * 33, videoTag(i % 30 === 0, i, i * 33), i * 33 + 5);
    const w = tally.window();
    expect(tally.firstVideoAtMs).toBe(5);
    expect(w.videoFrames).toBe(60);
    expect(w.lostVideoFrames).toBe(0);
    expect(w.maxKeyframeGapMs).toBe(990);
    expect(w).toMatchObject({ longestFreezeMs: 33, freezes: 0 });
    expect(w.videoLatenciesMs).toHaveLength(60);
    expect(new Set(w.videoLatenciesMs)).toEqual(new Set([5]));
  });

  test('missing marker sequence numbers are lost frames, also across a window reset', () => {
    const tally = new StreamTally();
    tally.onVideo(0, videoTag(true, 0, 0), 1);
    tally.onVideo(33, videoTag(false, 1, 33), 34);
    tally.resetWindow();
    tally.onVideo(133, videoTag(false, 4, 133), 134); // 2 and 3 missing
    tally.onVideo(166, videoTag(false, 5, 166), 167);
    expect(tally.window()).toMatchObject({ videoFrames: 2, lostVideoFrames: 2 });
  });

  test('freezes: the longest RTMP timestamp gap between delivered frames, and the gaps over the threshold, also across a window reset', () => {
    const tally = new StreamTally();
    const frame = (ts: number, sequence: number): void => tally.onVideo(ts, videoTag(sequence % 30 === 0, sequence, ts), ts + 5);
    frame(0, 0);
    frame(33, 1);
    tally.resetWindow();
    frame(33 + FREEZE_THRESHOLD_MS + 1, 7); // a gap just over the threshold, straddling the reset
    frame(300, 8);
    frame(300 + FREEZE_THRESHOLD_MS, 14); // exactly the threshold: not a freeze
    frame(1000, 30); // 500 ms
    frame(1033, 31);
    expect(tally.window()).toMatchObject({ videoFrames: 5, longestFreezeMs: 500, freezes: 2 });
    tally.resetWindow();
    expect(tally.window()).toMatchObject({ longestFreezeMs: 0, freezes: 0 });
  });

  test('AAC frames: gaps in timestamps are lost frames; latency estimated through the last video marker', () => {
    const tally = new StreamTally();
    tally.onAudio(0, AAC_SEQUENCE_HEADER, 0);
    tally.onAudio(0, AAC_FRAME, 50); // no video marker yet: no latency
    tally.onVideo(0, videoTag(true, 0, 10_000), 10_003); // RTMP 0 ↔ sent at 10000
    tally.onAudio(21, AAC_FRAME, 10_080); // media sent at 10021: 59 ms
    tally.onAudio(107, AAC_FRAME, 10_170); // 21.3 → 106.7 ms: 3 frames missing
    const w = tally.window();
    expect(w.audioFrames).toBe(3);
    expect(w.lostAudioFrames).toBe(3);
    expect(w.audioLatenciesMs).toEqual([59, 63]);
  });

  test('malformed tags are counted, never thrown', () => {
    const tally = new StreamTally();
    const truncatedAvcc = Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.from([0, 0, 0, 99, 0x41])]);
    for (const body of [Buffer.alloc(0), Buffer.from([0x17, 0x01]), truncatedAvcc]) expect(() => tally.onVideo(0, body, 0)).not.toThrow();
    expect(() => tally.onAudio(0, Buffer.from([0xaf]), 0)).not.toThrow();
    expect(tally.window().malformedTags).toBe(4);
    expect(tally.window().videoFrames).toBe(0);
  });
});
