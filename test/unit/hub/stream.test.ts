import pino from 'pino';
import { EndReasons, type EndReason } from '../../../server/hub/end-reason';
import type { Frame } from '../../../server/hub/frame';
import type { ReaderEnd } from '../../../server/hub/reader';
import { HubStream, type StreamSource } from '../../../server/hub/stream';
import type { Deriver, TrackDerivation } from '../../../server/hub/track-derivation';
import type { Track } from '../../../server/hub/track';
import { collectFrames, readersDrained, UNBOUNDED } from '../../support/hub-readers';
import { frameOf } from '../../support/media-frames';

const silent = pino({ level: 'silent' });
const source = (overrides: Partial<StreamSource> = {}): StreamSource => ({ kind: 'webrtc', mediaSessionId: 'm1', requestKeyframe: () => undefined, ...overrides });

/** A stream with an H.264 and an AAC track on a ms clock. */
function avStream(options: { derivations?: TrackDerivation[]; logger?: pino.Logger } = {}): { stream: HubStream; video: Track; audio: Track } {
  const stream = new HubStream('s', source(), options.derivations ?? [], options.logger ?? silent);
  const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 1000 });
  const audio = stream.addTrack({ kind: 'audio', codec: 'aac', timescale: 1000 });
  return { stream, video, audio };
}

const dts = (frames: readonly Frame[]) => frames.map((f) => f.dts);

describe('HubStream', () => {
  test('a late reader starts on the cached keyframe, then gets live frames, in batches after the writer returns', async () => {
    const { stream, video, audio } = avStream();
    [frameOf(video, 0), frameOf(audio, 1), frameOf(video, 10, { keyframe: true }), frameOf(audio, 11), frameOf(video, 20)].forEach((f) => stream.write(f));
    const reader = collectFrames(stream);
    expect(reader.frames).toEqual([]); // nothing runs in the writer's call stack
    await readersDrained();
    expect(dts(reader.frames)).toEqual([10, 11, 20]);
    stream.write(frameOf(video, 30));
    await readersDrained();
    expect(dts(reader.frames)).toEqual([10, 11, 20, 30]);
  });

  test('without the cache a reader waits for the next keyframe; a reader of H.264 only never sees audio', async () => {
    const { stream, video, audio } = avStream();
    stream.write(frameOf(video, 0, { keyframe: true }));
    const live = collectFrames(stream, { fromCache: false });
    const videoOnly = collectFrames(stream, { codecs: ['h264'] });
    [frameOf(audio, 1), frameOf(video, 2), frameOf(video, 40, { keyframe: true }), frameOf(audio, 41)].forEach((f) => stream.write(f));
    await readersDrained();
    expect(dts(live.frames)).toEqual([40, 41]);
    expect(dts(videoOnly.frames)).toEqual([0, 2, 40]);
    expect(videoOnly.reader.tracks).toEqual({ video, audio: undefined });
  });

  test('a paused (slow) reader drops whole GOPs and counts them; the others get every frame and the writer never waits', async () => {
    const { stream, video } = avStream();
    const fast = collectFrames(stream);
    const slow = collectFrames(stream, { limits: { maxBytes: 1 << 20, maxMs: 300 } });
    slow.reader.pause();
    for (let ms = 0; ms < 1000; ms += 40) stream.write(frameOf(video, ms, { keyframe: ms % 400 === 0 }));
    await readersDrained();
    expect(fast.frames).toHaveLength(25);
    expect(slow.frames).toEqual([]);
    const { droppedFrames, queuedFrames } = slow.reader.stats;
    expect(droppedFrames).toBeGreaterThan(0);
    slow.reader.resume();
    await readersDrained();
    // What it got starts on a keyframe and runs without a hole to the end: whole GOPs went.
    expect(slow.frames[0]!.keyframe).toBe(true);
    expect(dts(slow.frames)).toEqual(dts(fast.frames).slice(-slow.frames.length));
    expect(slow.frames.length + droppedFrames).toBe(25);
    expect(queuedFrames).toBe(slow.frames.length);
    expect(slow.reader.stats.deliveredFrames).toBe(slow.frames.length);
  });

  test('a reader that throws is closed and logged once with the stream name; the publisher and the other readers go on', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { stream, video } = avStream({ logger });
    const before = collectFrames(stream);
    const ends: ReaderEnd[] = [];
    const failing = stream.addReader({ label: 'broken', codecs: ['h264'], limits: UNBOUNDED });
    failing.on('close', (end) => ends.push(end));
    let calls = 0;
    failing.start(() => {
      calls++;
      throw new Error('sink bug');
    });
    const after = collectFrames(stream);
    stream.write(frameOf(video, 0, { keyframe: true }));
    await readersDrained();
    stream.write(frameOf(video, 40));
    await readersDrained();
    expect(calls).toBe(1);
    expect(ends).toEqual([{ code: 'failed', error: new Error('sink bug') }]);
    expect(failing.closed).toBe(true);
    expect(dts(before.frames)).toEqual([0, 40]);
    expect(dts(after.frames)).toEqual([0, 40]);
    expect(stream.closed).toBe(false);
    expect(stream.readerCount).toBe(2);
    const failures = lines.filter((l) => l['level'] === 50);
    expect(failures).toEqual([expect.objectContaining({ streamName: 's', readerId: failing.id, reader: 'broken', err: expect.objectContaining({ message: 'sink bug' }) })]);
  });

  test('tracks: readers are rebound when a track goes, and told; parameters are announced only when they change', async () => {
    const { stream, video, audio } = avStream();
    const reader = collectFrames(stream);
    const rebound: Array<Track | undefined> = [];
    reader.reader.on('tracks', (tracks) => rebound.push(tracks.video));
    const announced: number[] = [];
    stream.on('params', (track) => announced.push(track.id));
    const params = { codec: 'h264' as const, sps: Buffer.from([1]), pps: Buffer.from([2]), width: 640, height: 480 };
    stream.setParams(video, params);
    stream.setParams(video, { ...params, width: 999 }); // same SPS and PPS
    stream.setParams(video, { ...params, sps: Buffer.from([3]) });
    expect(announced).toEqual([video.id, video.id]);
    stream.removeTrack(video);
    expect(rebound).toEqual([undefined]);
    expect(stream.tracks).toEqual([audio]);
    stream.write(frameOf(audio, 5)); // no video any more: audio starts the reader
    await readersDrained();
    expect(dts(reader.frames)).toEqual([5]);
  });

  test('a derived track is made once, shared by its readers, and stopped a while after the last one leaves', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'performance'] });
    try {
      const started: Array<{ source: Track; target: Track }> = [];
      let closed = 0;
      const derivation: TrackDerivation = {
        from: 'opus',
        to: 'aac',
        timescale: 48000,
        params: () => undefined,
        start: (_stream, sourceTrack, target): Deriver => {
          started.push({ source: sourceTrack, target });
          return { close: () => void closed++ };
        },
      };
      const stream = new HubStream('s', source(), [derivation], silent);
      const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000 });
      const a = collectFrames(stream, { codecs: ['aac'] });
      const b = collectFrames(stream, { codecs: ['aac'] });
      const raw = collectFrames(stream, { codecs: ['opus'] });
      expect(started).toHaveLength(1);
      expect(started[0]!.source).toBe(opus);
      const aac = started[0]!.target;
      expect(aac).toMatchObject({ kind: 'audio', codec: 'aac', timescale: 48000, derivedFrom: opus.id });
      expect(a.reader.tracks.audio).toBe(aac);
      expect(b.reader.tracks.audio).toBe(aac);
      expect(raw.reader.tracks.audio).toBe(opus);
      expect(stream.audio).toBe(opus); // the stream's own audio is the source's
      a.reader.close();
      b.reader.close();
      jest.advanceTimersByTime(4000);
      expect(closed).toBe(0);
      collectFrames(stream, { codecs: ['aac'] }); // back within the linger: the same derivation goes on
      jest.advanceTimersByTime(10_000);
      expect([started.length, closed]).toEqual([1, 0]);
      stream.close(EndReasons.publisherStop);
      expect(closed).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  test('the ingest counters count what the publisher writes, not the tracks derived from it', () => {
    const derivation: TrackDerivation = { from: 'opus', to: 'aac', timescale: 48000, params: () => undefined, start: () => ({ close: () => undefined }) };
    const stream = new HubStream('s', source(), [derivation], silent);
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 90000 });
    const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000 });
    const aac = collectFrames(stream, { codecs: ['h264', 'aac'] }).reader.tracks.audio!;
    stream.write(frameOf(video, 0, { keyframe: true, data: Buffer.alloc(1000) }));
    stream.write(frameOf(opus, 0, { data: Buffer.alloc(80) }));
    stream.write(frameOf(aac, 0, { data: Buffer.alloc(300) }));
    expect(stream.ingestCounts()).toMatchObject({ bytes: 1080, videoFrames: 1, audioFrames: 1 });
    stream.close(EndReasons.publisherStop);
  });

  test('a cached GOP larger than a reader\'s limits is not replayed: it starts at the next keyframe, having dropped nothing', async () => {
    const { stream, video } = avStream();
    stream.write(frameOf(video, 0, { keyframe: true, data: Buffer.alloc(600) }));
    stream.write(frameOf(video, 40, { data: Buffer.alloc(600) }));
    const small = collectFrames(stream, { limits: { maxBytes: 1000, maxMs: 10_000 } });
    stream.write(frameOf(video, 80, { keyframe: true, data: Buffer.alloc(100) }));
    await readersDrained();
    expect(dts(small.frames)).toEqual([80]);
    expect(small.reader.stats.droppedFrames).toBe(0);
  });

  test('a GOP too large for the cache is not cached until the next keyframe', async () => {
    const { stream, video } = avStream();
    stream.write(frameOf(video, 0, { keyframe: true, data: Buffer.alloc(10 * 1024 * 1024) }));
    stream.write(frameOf(video, 1, { data: Buffer.alloc(10 * 1024 * 1024) }));
    const late = collectFrames(stream);
    await readersDrained();
    expect(late.frames).toEqual([]);
    stream.write(frameOf(video, 2, { keyframe: true }));
    const later = collectFrames(stream);
    await readersDrained();
    expect(dts(later.frames)).toEqual([2]);
  });

  test('close is idempotent, says why, and ends every reader with the same reason', async () => {
    const { stream, video } = avStream();
    const reasons: EndReason[] = [];
    stream.on('close', (reason) => reasons.push(reason));
    const reader = collectFrames(stream);
    const ends: ReaderEnd[] = [];
    reader.reader.on('close', (end) => ends.push(end));
    stream.close(EndReasons.publisherStop);
    stream.close(EndReasons.shutdown);
    stream.write(frameOf(video, 0, { keyframe: true }));
    await readersDrained();
    expect(reasons).toEqual([EndReasons.publisherStop]);
    expect(stream.closeReason).toEqual(EndReasons.publisherStop);
    expect(ends).toEqual([{ code: 'stream-ended', reason: EndReasons.publisherStop }]);
    expect(reader.frames).toEqual([]);
    const late = stream.addReader({ label: 'late', codecs: ['h264'], limits: UNBOUNDED });
    expect(late.end).toEqual({ code: 'stream-ended', reason: EndReasons.publisherStop });
    expect(stream.readerCount).toBe(0);
  });

  test('a stream that ends first hands its running readers the frames still queued; a paused reader loses them', () => {
    const { stream, video } = avStream();
    const running = collectFrames(stream);
    const paused = collectFrames(stream);
    paused.reader.pause();
    stream.write(frameOf(video, 0, { keyframe: true }));
    stream.write(frameOf(video, 40));
    const ends: string[] = [];
    running.reader.on('close', () => ends.push(`closed after ${running.frames.length} frames`));
    stream.close(EndReasons.publisherStop);
    expect(dts(running.frames)).toEqual([0, 40]);
    expect(ends).toEqual(['closed after 2 frames']);
    expect(paused.frames).toEqual([]);
  });

  test('keyframe requests go to the source while open', () => {
    const requests: string[] = [];
    const stream = new HubStream('s', source({ requestKeyframe: (reason) => requests.push(reason) }), [], silent);
    stream.requestKeyframe('push started');
    stream.close(EndReasons.publisherStop);
    stream.requestKeyframe('too late');
    expect(requests).toEqual(['push started']);
  });
});
