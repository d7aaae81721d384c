import type { AudioFrame, Frame, VideoFrame } from '../../../server/hub/frame';
import { HubStream, type StreamSource } from '../../../server/hub/stream';
import { StreamNameInUseError, StreamRegistry } from '../../../server/hub/stream-registry';

const source = (overrides: Partial<StreamSource> = {}): StreamSource => ({
  kind: 'webrtc', mediaSessionId: 'm1', hasVideo: true, hasAudio: true, requestKeyframe: () => undefined, ...overrides,
});
const video = (pts: number, keyframe = false, size = 10): VideoFrame => ({ kind: 'video', codec: 'h264', pts, dts: pts, keyframe, data: Buffer.alloc(size), receivedAt: 0 });
const audio = (pts: number): AudioFrame => ({ kind: 'audio', codec: 'aac', pts, data: Buffer.alloc(4), receivedAt: 0 });

function collect(stream: HubStream, options?: Parameters<HubStream['addReader']>[1]): { frames: Frame[]; remove: () => void } {
  const frames: Frame[] = [];
  const remove = stream.addReader({ onFrame: (f) => frames.push(f) }, options);
  return { frames, remove };
}

describe('HubStream', () => {
  test('a late reader starts on the last keyframe, then gets live frames', () => {
    const stream = new HubStream('s', source());
    [video(0), audio(1), video(10, true), audio(11), video(20)].forEach((f) => stream.write(f));
    const reader = collect(stream);
    expect(reader.frames.map((f) => f.pts)).toEqual([10, 11, 20]);
    stream.write(video(30));
    expect(reader.frames.map((f) => f.pts)).toEqual([10, 11, 20, 30]);
  });

  test('fromCache false starts with live frames only; wantsAudio false never sees audio', () => {
    const stream = new HubStream('s', source());
    stream.write(video(0, true));
    const live = collect(stream, { fromCache: false, wantsAudio: false });
    stream.write(audio(1));
    stream.write(video(2));
    expect(live.frames.map((f) => f.pts)).toEqual([2]);
  });

  test('a GOP too large for the cache is dropped until the next keyframe', () => {
    const stream = new HubStream('s', source());
    stream.write(video(0, true, 10 * 1024 * 1024));
    stream.write(video(1, false, 10 * 1024 * 1024));
    expect(collect(stream).frames).toEqual([]);
    stream.write(video(2, true));
    expect(collect(stream).frames.map((f) => f.pts)).toEqual([2]);
  });

  test('audio demand: announced when the first audio reader comes and the last one goes', () => {
    const stream = new HubStream('s', source());
    const demand: boolean[] = [];
    stream.on('audio-demand', (wanted) => demand.push(wanted));
    const a = collect(stream);
    const b = collect(stream);
    collect(stream, { wantsAudio: false });
    a.remove();
    a.remove(); // removing twice is harmless
    b.remove();
    expect(demand).toEqual([true, false]);
    expect(stream.audioWanted).toBe(false);
  });

  test('track info is announced only when it changes', () => {
    const stream = new HubStream('s', source());
    const seen: number[] = [];
    stream.on('video-info', (info) => seen.push(info.width));
    const info = { codec: 'h264' as const, sps: Buffer.from([1]), pps: Buffer.from([2]), width: 640, height: 480 };
    stream.setVideoInfo(info);
    stream.setVideoInfo({ ...info, width: 999 });
    stream.setVideoInfo({ ...info, sps: Buffer.from([3]), width: 1280 });
    expect(seen).toEqual([640, 1280]);
  });

  test('close is idempotent, says why, and stops everything', () => {
    const stream = new HubStream('s', source());
    const reasons: string[] = [];
    stream.on('close', (reason) => reasons.push(reason));
    const reader = collect(stream);
    stream.close('Stopped by publisher stop');
    stream.close('again');
    stream.write(video(0, true));
    expect(reasons).toEqual(['Stopped by publisher stop']);
    expect(stream.closeReason).toBe('Stopped by publisher stop');
    expect(reader.frames).toEqual([]);
    expect(collect(stream).frames).toEqual([]);
  });

  test('keyframe requests go to the source while open', () => {
    const requests: string[] = [];
    const stream = new HubStream('s', source({ requestKeyframe: (reason) => requests.push(reason) }));
    stream.requestKeyframe('push started');
    stream.close('x');
    stream.requestKeyframe('too late');
    expect(requests).toEqual(['push started']);
  });
});

describe('StreamRegistry', () => {
  test('names are unique while published and free again after close', () => {
    const registry = new StreamRegistry();
    const events: string[] = [];
    registry.on('published', (s) => events.push(`+${s.name}`));
    registry.on('unpublished', (s, reason) => events.push(`-${s.name}:${reason}`));
    const first = registry.publish('cam', source());
    expect(() => registry.publish('cam', source())).toThrow(StreamNameInUseError);
    first.close('gone');
    const second = registry.publish('cam', source());
    expect(registry.get('cam')).toBe(second);
    registry.closeAll('shutdown');
    expect(registry.all()).toEqual([]);
    expect(events).toEqual(['+cam', '-cam:gone', '+cam', '-cam:shutdown']);
  });
});
