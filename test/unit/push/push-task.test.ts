import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import pino from 'pino';
import { EndReasons } from '../../../server/hub/end-reason';
import { HubStream } from '../../../server/hub/stream';
import type { Track } from '../../../server/hub/track';
import { PushTask, WedgedConnectionError, type PushTaskConfig } from '../../../server/push/push-task';
import type { PushState } from '../../../server/push/types';
import { STOP_GRACEFULLY } from '../../../server/sinks/sink';
import { FakeClock } from '../../support/fake-clock';
import { fakeTarget } from '../../support/fake-sink';
import { readersDrained } from '../../support/hub-readers';
import { aacParams, frameOf, h264Params } from '../../support/media-frames';

/** Sound mixing is not exercised here: a pool that never starts a worker. */
const unusedCodecPool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1 }, pino({ level: 'silent' }));

const silent = pino({ level: 'silent' });

/** A published stream with H.264 (90 kHz) and AAC (48 kHz) tracks, parameters known. */
function publish(name = 'cam'): { stream: HubStream; video: Track; audio: Track; keyframeRequests: string[] } {
  const keyframeRequests: string[] = [];
  const stream = new HubStream(name, { kind: 'webrtc', mediaSessionId: `pub-${name}`, requestKeyframe: (why) => keyframeRequests.push(why) }, [], silent);
  const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 90000, params: h264Params(640, 480) });
  const audio = stream.addTrack({ kind: 'audio', codec: 'aac', timescale: 48000, params: aacParams(Buffer.from([0x11, 0x90]), 48000, 2) });
  return { stream, video, audio, keyframeRequests };
}

/** A push of `cam` to a fake target, on a fake clock, with its state changes recorded. */
function pushTask(overrides: Partial<PushTaskConfig> = {}) {
  const clock = new FakeClock();
  const target = fakeTarget();
  const push = new PushTask({
    id: 'push-1',
    sourceName: 'cam',
    target,
    options: {},
    tracks: { video: true, audio: true },
    reserved: false,
    backoff: { initialDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 0 },
    wedgeTimeoutMs: 3000,
    readerLimits: { maxBytes: 1 << 20, maxMs: 10_000 },
    audio: { pool: unusedCodecPool, bitrateBps: 128_000 },
    sinkContext: {},
    logger: silent,
    clock,
    ...overrides,
  });
  const states: PushState[] = [];
  push.on('state', (state) => states.push(state));
  const closes: string[] = [];
  push.on('close', (state, reason) => closes.push(`${state}:${reason?.code ?? '-'}`));
  return { push, clock, target, states, closes };
}

// Jitter of the backoff is ±20 %: 1000 ms becomes 800..1200.
const FIRST_RETRY_MAX_MS = 1200;

describe('PushTask', () => {
  test('connects once its source has video parameters, publishes when the sink starts, and starts the output at 0 on the cached keyframe', async () => {
    const { push, target, states } = pushTask();
    const { stream, video, audio, keyframeRequests } = publish();
    stream.write(frameOf(video, 90_000, { keyframe: true })); // 1 s on the stream clock
    stream.write(frameOf(audio, 48_000 + 480)); // 1.01 s
    push.attach(stream);
    expect(states).toEqual(['connecting']);
    const sink = target.opened[0]!;
    sink.connect();
    expect(push.state).toBe('publishing');
    expect(keyframeRequests).toEqual(['push started']);
    stream.write(frameOf(video, 90_000 + 3000)); // 1.0333 s
    await readersDrained();
    expect(sink.frames.map((f) => [f.track.kind, f.dts])).toEqual([['video', 0], ['audio', 480], ['video', 3000]]);
    expect(sink.announced[0]).toEqual({ video, audio });
    expect(push.status()).toMatchObject({ state: 'publishing', width: 640, height: 480, retries: 0, lastError: null, sentTime: 33 });
  });

  test('a session that fails is retried after the backoff, on a new sink, with lastError and retries shown', async () => {
    const { push, clock, target, states } = pushTask();
    push.attach(publish().stream);
    target.opened[0]!.connect();
    target.opened[0]!.fail(Object.assign(new Error('the server closed the connection'), { code: 'SOCKET' }));
    await readersDrained();
    expect(push.status()).toMatchObject({ state: 'reconnecting', retries: 1, lastError: 'SOCKET: the server closed the connection' });
    clock.advance(799);
    expect(target.opened).toHaveLength(1);
    clock.advance(FIRST_RETRY_MAX_MS - 799);
    expect(target.opened).toHaveLength(2);
    target.opened[1]!.connect();
    expect(states).toEqual(['connecting', 'publishing', 'reconnecting', 'publishing']);
    expect(push.status()).toMatchObject({ lastError: null, retries: 1 });
  });

  test('with its attempts used up the push fails and closes; its summary line has the last error', async () => {
    const { logger, lines } = capturedLog();
    const { push, clock, target, closes } = pushTask({ logger, backoff: { initialDelayMs: 1000, maxDelayMs: 1000, maxAttempts: 1 } });
    push.attach(publish().stream);
    target.opened[0]!.fail(new Error('refused'));
    await readersDrained();
    clock.advance(FIRST_RETRY_MAX_MS);
    target.opened[1]!.fail(new Error('refused again'));
    await readersDrained();
    await readersDrained();
    expect(push.state).toBe('failed');
    expect(push.closed).toBe(true);
    expect(closes).toEqual(['failed:-']);
    expect(push.status().lastError).toBe('refused again');
    expect(lines.find((line) => line.msg === 'push ended')).toMatchObject({ state: 'failed', retries: 1, bytes: 0, averageKbps: 0, lastError: 'refused again' });
  });

  test('a target that takes no bytes while data waits is declared wedged after the timeout and dropped at once, then retried', async () => {
    const { push, clock, target } = pushTask();
    push.attach(publish().stream);
    const sink = target.opened[0]!;
    sink.connect();
    sink.stats = { bytesSent: 5000, pendingBytes: 0, framesSent: 10 };
    clock.advance(1000);
    sink.stats = { bytesSent: 9000, pendingBytes: 4000, framesSent: 12 }; // 5000 flushed, still
    clock.advance(2999);
    expect(push.state).toBe('publishing');
    clock.advance(500); // progress is checked every 250 ms: a wedge is declared at most that late

    expect(sink.abortReason).toBeInstanceOf(WedgedConnectionError);
    expect(push.status()).toMatchObject({ state: 'reconnecting', lastError: expect.stringMatching(/^WEDGED: the target took no data for 3 s \(4000 bytes waiting\)/) });
    clock.advance(FIRST_RETRY_MAX_MS);
    expect(target.opened).toHaveLength(2);
    expect(push.status().sentBytes).toBe(9000); // the lost session's bytes count
  });

  test('bytes that keep leaving are progress, however many wait', () => {
    const { push, clock, target } = pushTask();
    push.attach(publish().stream);
    const sink = target.opened[0]!;
    sink.connect();
    for (let i = 1; i <= 40; i++) {
      sink.stats = { bytesSent: i * 10_000, pendingBytes: 8000, framesSent: i };
      clock.advance(250);
    }
    expect(push.state).toBe('publishing');
  });

  test('close() ends the session cleanly, once, with the first reason', async () => {
    const { push, target, closes } = pushTask();
    push.attach(publish().stream);
    target.opened[0]!.connect();
    await Promise.all([push.close(EndReasons.restTerminate), push.close(EndReasons.shutdown)]);
    expect(target.opened[0]!.abortReason).toBe(STOP_GRACEFULLY);
    expect(push.state).toBe('stopped');
    expect(closes).toEqual(['stopped:terminated']);
  });

  test('publisher grace: held, the session stays open; the next publisher continues the same output timeline', async () => {
    const { push, target } = pushTask();
    const first = publish();
    first.stream.write(frameOf(first.video, 0, { keyframe: true }));
    push.attach(first.stream);
    const sink = target.opened[0]!;
    sink.connect();
    first.stream.write(frameOf(first.video, 9000)); // 100 ms
    await readersDrained();
    push.hold();
    first.stream.close(EndReasons.sessionDisconnect);
    const second = publish();
    second.stream.write(frameOf(second.video, 777_000, { keyframe: true }));
    push.attach(second.stream);
    await readersDrained();
    expect(target.opened).toHaveLength(1);
    expect(sink.frames.map((f) => f.dts)).toEqual([0, 9000, 9000 + 33 * 90]);
    expect(push.state).toBe('publishing');
  });

  test('a reserved push whose source is gone ends its session cleanly and waits (pending); it resumes with the next publish', async () => {
    const { push, target, states } = pushTask({ reserved: true });
    const first = publish();
    push.attach(first.stream);
    target.opened[0]!.connect();
    await push.sourceGone(EndReasons.publisherStop);
    expect(target.opened[0]!.abortReason).toBe(STOP_GRACEFULLY);
    expect(push.state).toBe('pending');
    push.attach(publish().stream);
    expect(target.opened).toHaveLength(2);
    expect(states).toEqual(['connecting', 'publishing', 'pending', 'connecting']);
  });

  test('a push that is not reserved stops when its source is gone', async () => {
    const { push, closes } = pushTask();
    push.attach(publish().stream);
    await push.sourceGone(EndReasons.publisherStop);
    expect(closes).toEqual(['stopped:publisher-stop']);
  });

  test('a sink that throws ends its session alone: the push retries and its source is untouched', async () => {
    const { push, clock, target } = pushTask();
    const { stream, video } = publish();
    push.attach(stream);
    const sink = target.opened[0]!;
    sink.throwAtFrame = 1;
    sink.connect();
    stream.write(frameOf(video, 0, { keyframe: true }));
    stream.write(frameOf(video, 3000));
    await readersDrained();
    expect(push.status()).toMatchObject({ state: 'reconnecting', lastError: 'sink failed at frame 1' });
    expect(stream.closed).toBe(false);
    clock.advance(FIRST_RETRY_MAX_MS);
    expect(target.opened).toHaveLength(2);
  });

  test('a stream without video parameters yet is waited for; the push connects when they come', () => {
    const { push, target } = pushTask();
    const stream = new HubStream('cam', { kind: 'rtmp', mediaSessionId: 'x', requestKeyframe: () => undefined }, [], silent);
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 1000 });
    push.attach(stream);
    expect([push.state, target.opened.length]).toEqual(['pending', 0]);
    stream.setParams(video, h264Params(320, 240));
    expect([push.state, target.opened.length]).toEqual(['connecting', 1]);
  });

  test('a push whose source audio stops while video goes on says so in lastError, publishing still, and clears it when the audio is back', async () => {
    const { logger, lines } = capturedLog();
    const { push, clock, target } = pushTask({ logger });
    const { stream, video, audio } = publish();
    push.attach(stream);
    target.opened[0]!.connect();
    let ms = 0;
    const step = async (withAudio: boolean): Promise<void> => {
      stream.write(frameOf(video, ms * 90, { keyframe: ms === 0 }));
      if (withAudio) stream.write(frameOf(audio, ms * 48));
      await readersDrained();
      clock.advance(100);
      ms += 100;
    };
    for (let i = 0; i < 10; i++) await step(true);
    for (let i = 0; i < 45; i++) await step(false);
    expect(push.status().lastError).toBeNull(); // 4.5 s without audio: not yet
    for (let i = 0; i < 15; i++) await step(false);
    expect(push.status()).toMatchObject({ state: 'publishing', lastError: expect.stringMatching(/^no audio for [56] s: the source sends none; the target gets no sound$/) });
    await step(true);
    expect(push.status().lastError).toBeNull();
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['push sends no audio', 'push audio is back']));
  });

  test('a source that stalls altogether (no video either) is not a push without audio', async () => {
    const { push, clock, target } = pushTask();
    const { stream, video, audio } = publish();
    push.attach(stream);
    target.opened[0]!.connect();
    stream.write(frameOf(video, 0, { keyframe: true }));
    stream.write(frameOf(audio, 0));
    await readersDrained();
    clock.advance(20_000);
    expect(push.status().lastError).toBeNull();
  });

  test('a push that ends logs one line summing it up: state, reason, time, bytes, bitrate, retries, drops and the last error', async () => {
    const { logger, lines } = capturedLog();
    const { push, clock, target } = pushTask({ logger });
    push.attach(publish().stream);
    target.opened[0]!.fail(Object.assign(new Error('the server closed the connection'), { code: 'SOCKET' }));
    await readersDrained();
    clock.advance(FIRST_RETRY_MAX_MS);
    const sink = target.opened[1]!;
    sink.connect();
    sink.stats = { bytesSent: 50_000, pendingBytes: 0, framesSent: 100 };
    clock.advance(2000);
    await push.close(EndReasons.restTerminate);
    const ended = lines.filter((line) => line.msg === 'push ended');
    expect(ended).toEqual([expect.objectContaining({ state: 'stopped', reason: EndReasons.restTerminate.info, publishingMs: 2000, bytes: 50_000, averageKbps: 200, retries: 1, droppedFrames: 0, durationMs: expect.any(Number) })]);
    expect(ended[0]).not.toHaveProperty('lastError');
  });
});

/** A logger whose lines are kept, parsed. */
function capturedLog(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
