import pino from 'pino';
import type { RtpPacket } from 'werift';
import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import type { Frame } from '../../../server/hub/frame';
import { HubStream } from '../../../server/hub/stream';
import { NalType, nalType, splitAnnexB } from '../../../server/media/h264/nal';
import type { RtpPacketView } from '../../../server/media/rtp/rtp-packet';
import { RtpClock, SenderClock } from '../../../server/webrtc/rtp-clock';
import { VideoIngest } from '../../../server/webrtc/video-ingest';
import { FakeClock } from '../../support/fake-clock';
import { h264Payloads, toRtpPackets } from '../media/support/rtp-packetizers';
import { killRunningTools, runTool } from '../media/support/run-tool';

const silent = pino({ level: 'silent' });
/** H.264 passes through here: a pool that never starts a worker. */
const unusedCodecPool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1 }, silent);
const FRAME_MS = 1000 / 30;

/** Access units of a 320x240 x264 stream, 30 frames, an IDR every 10 (each a list of NAL units). */
let accessUnits: Buffer[][];

beforeAll(async () => {
  const { code, stdout } = await runTool('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '30'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-keyint_min', '10', '-bf', '0', '-pix_fmt', 'yuv420p', '-x264-params', 'aud=1'],
    ...['-f', 'h264', '-'],
  ]);
  expect(code).toBe(0);
  accessUnits = [];
  for (const nal of splitAnnexB(stdout)) {
    if (nalType(nal) === NalType.AUD) accessUnits.push([]);
    else accessUnits[accessUnits.length - 1]!.push(nal);
  }
  expect(accessUnits).toHaveLength(30);
});

afterAll(killRunningTools);

/** The stream as RTP packets, frame by frame, as werift hands them over. */
function rtpFrames(): RtpPacket[][] {
  const frames: RtpPacket[][] = [];
  let sequenceNumber = 65500; // crosses the 16-bit wrap
  for (const [i, nalus] of accessUnits.entries()) {
    const views: RtpPacketView[] = toRtpPackets([{ timestamp: 1000 + i * 3000, payloads: h264Payloads(nalus, 400) }], sequenceNumber);
    sequenceNumber = (sequenceNumber + views.length) & 0xffff;
    frames.push(views.map((v) => ({ header: { sequenceNumber: v.sequenceNumber, timestamp: v.timestamp, marker: v.marker }, payload: v.payload }) as unknown as RtpPacket));
  }
  return frames;
}

/** A VideoIngest on a fake clock writing into a real hub stream, with its PLIs and NACKs recorded. */
function ingestSetup() {
  const time = new FakeClock();
  const stream = new HubStream('cam', { kind: 'webrtc', mediaSessionId: 'm1', requestKeyframe: () => undefined }, [], silent);
  const track = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 90000 });
  const written: Array<{ frame: Frame; at: number }> = [];
  const write = stream.write.bind(stream);
  stream.write = (frame: Frame) => {
    written.push({ frame, at: time.now() });
    write(frame);
  };
  const plis: number[] = [];
  const nacks: Array<{ at: number; sequenceNumbers: readonly number[] }> = [];
  const ingest = new VideoIngest({
    codec: 'h264',
    stream,
    track,
    clock: new RtpClock(90000, new SenderClock()),
    sendPli: () => plis.push(time.now()),
    sendNack: (sequenceNumbers) => nacks.push({ at: time.now(), sequenceNumbers }),
    repair: { window: 'auto', minMs: 50, maxMs: 600 },
    transcode: { pool: unusedCodecPool, preset: 'veryfast', bitrateKbps: 1000, keyframeIntervalMs: 2000 },
    logger: silent,
    time,
  });
  // A 100 ms round trip, as the ICE checks would have measured it.
  for (let i = 0; i < 30; i++) ingest.onRoundTrip(100);
  /** The index of each access unit written, from its RTP timestamp. */
  const writtenFrames = () => written.map(({ frame }) => ({ index: Math.round((frame.pts - written[0]!.frame.pts) / 3000), keyframe: frame.keyframe }));
  return { time, ingest, written, writtenFrames, plis, nacks };
}

describe('VideoIngest loss repair and keyframe recovery', () => {
  test('a packet lost beyond repair: NACKed, waited for ~3 timeouts, then a PLI at once, and no frame reaches the hub before the next keyframe', () => {
    const { time, ingest, written, writtenFrames, plis, nacks } = ingestSetup();
    const frames = rtpFrames();
    const lost = frames[3]![1]!; // a packet in the middle of frame 3
    for (const [i, packets] of frames.entries()) {
      for (const rtp of packets) if (rtp !== lost) ingest.onRtp(rtp);
      time.advance(FRAME_MS);
      if (i === 3) expect(nacks).toEqual([{ at: 3 * FRAME_MS, sequenceNumbers: [lost.header.sequenceNumber] }]);
    }
    time.advance(1000);

    const window = ingest.quality().repairWindowMs;
    expect(window).toBeGreaterThan(300);
    expect(window).toBeLessThan(390);
    // Asked for at once, then again after each of two timeouts; then given up, and a keyframe asked for right then.
    expect(nacks.map((n) => n.sequenceNumbers)).toEqual([[lost.header.sequenceNumber], [lost.header.sequenceNumber], [lost.header.sequenceNumber]]);
    expect(plis).toHaveLength(1);
    expect(plis[0]! - 3 * FRAME_MS).toBeGreaterThanOrEqual(window);
    expect(plis[0]! - 3 * FRAME_MS).toBeLessThan(window + 2);

    // Frames 0-2 went through at once; 3 (damaged) to 9 (which depend on it) never did; 10, the next IDR, and after.
    expect(writtenFrames()).toEqual([
      ...[0, 1, 2].map((index) => ({ index, keyframe: index === 0 })),
      ...Array.from({ length: 20 }, (_, k) => ({ index: 10 + k, keyframe: k % 10 === 0 })),
    ]);
    for (const { frame, at } of written.slice(0, 3)) expect(at).toBeLessThan(Math.round(frame.pts / 3000) * FRAME_MS + 60);
    expect(ingest.quality()).toMatchObject({ packetsLost: 1, nacksSent: 3, retransmissionsReceived: 0, framesDropped: 7, keyframesRequested: 1, rttMs: 100 });
    ingest.close();
  });

  test('a retransmission within the window repairs the frame: every frame reaches the hub, no keyframe requested', () => {
    const { time, ingest, writtenFrames, plis, nacks } = ingestSetup();
    const frames = rtpFrames();
    const lost = frames[3]![1]!;
    for (const [i, packets] of frames.entries()) {
      for (const rtp of packets) if (rtp !== lost) ingest.onRtp(rtp);
      time.advance(FRAME_MS);
      if (i === 5) ingest.onRtp(lost, true); // 100 ms after its NACK, one round trip
    }
    time.advance(1000);
    expect(nacks).toHaveLength(1);
    expect(plis).toEqual([]);
    expect(writtenFrames()).toEqual(Array.from({ length: 30 }, (_, index) => ({ index, keyframe: index % 10 === 0 })));
    expect(ingest.quality()).toMatchObject({ packetsLost: 0, retransmissionsReceived: 1, framesDropped: 0, keyframesRequested: 0 });
    ingest.close();
  });
});
