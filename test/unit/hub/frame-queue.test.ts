import { FrameQueue } from '../../../server/hub/frame-queue';
import { frameOf, track } from '../../support/media-frames';

const VIDEO = track('video', 'h264', 1000);
const AUDIO = track('audio', 'aac', 1000);
const video = (ms: number, keyframe = false, bytes = 10) => frameOf(VIDEO, ms, { keyframe, data: Buffer.alloc(bytes) });
const audio = (ms: number) => frameOf(AUDIO, ms, { data: Buffer.alloc(4) });
const dts = (frames: readonly { dts: number }[]) => frames.map((f) => f.dts);

describe('FrameQueue', () => {
  test('starts on a keyframe of the video track; what comes before is not counted as dropped', () => {
    const queue = new FrameQueue({ maxBytes: 1000, maxMs: 1000 }, VIDEO.id);
    [video(0), audio(5), frameOf(AUDIO, 8, { keyframe: true }), video(10, true), audio(15), video(20)].forEach((f) => queue.push(f));
    expect(dts(queue.takeAll())).toEqual([10, 15, 20]);
    expect(queue.dropped).toBe(0);
  });

  test('without video any keyframe (every audio frame) is a start', () => {
    const queue = new FrameQueue({ maxBytes: 1000, maxMs: 1000 }, undefined);
    [audio(0), audio(21)].forEach((f) => queue.push(f));
    expect(dts(queue.takeAll())).toEqual([0, 21]);
  });

  test('past its byte limit it empties, drops until the next keyframe, counts every frame lost and goes on from the keyframe', () => {
    const queue = new FrameQueue({ maxBytes: 100, maxMs: 10_000 }, VIDEO.id);
    queue.push(video(0, true, 40));
    queue.push(video(40, false, 40));
    expect([queue.length, queue.bytes]).toEqual([2, 80]);
    queue.push(video(80, false, 40)); // 120 bytes: overflow, the two queued and this one go
    expect([queue.length, queue.bytes, queue.dropped, queue.overflows]).toEqual([0, 0, 3, 1]);
    queue.push(audio(90));
    queue.push(video(120, false, 40));
    queue.push(video(160, true, 40));
    queue.push(audio(170));
    expect(dts(queue.takeAll())).toEqual([160, 170]);
    expect(queue.dropped).toBe(5);
  });

  test('past its time limit it does the same, whatever the bytes', () => {
    const queue = new FrameQueue({ maxBytes: 1 << 20, maxMs: 500 }, VIDEO.id);
    for (let ms = 0; ms <= 500; ms += 100) queue.push(video(ms, ms === 0));
    expect(queue.spanMs).toBe(500);
    queue.push(video(600));
    expect(queue.length).toBe(0);
    expect(queue.dropped).toBe(7);
    queue.push(video(700, true));
    expect(dts(queue.takeAll())).toEqual([700]);
  });

  test('an overflow at a keyframe keeps that keyframe; a keyframe larger than the whole limit is dropped too', () => {
    const queue = new FrameQueue({ maxBytes: 100, maxMs: 10_000 }, VIDEO.id);
    queue.push(video(0, true, 60));
    queue.push(video(40, true, 60));
    expect(dts(queue.takeAll())).toEqual([40]);
    expect(queue.dropped).toBe(1);
    queue.push(video(80, false, 10));
    queue.push(video(120, true, 500));
    expect(queue.length).toBe(0);
  });
});
