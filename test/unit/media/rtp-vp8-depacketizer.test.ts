import { ivfFileHeader, ivfFrameHeader } from '../../../server/media/containers/ivf-writer';
import type { RtpPacketView, RtpStreamItem } from '../../../server/media/rtp/rtp-packet';
import { type Vp8Frame, Vp8Depacketizer } from '../../../server/media/rtp/vp8-depacketizer';
import { type IvfFrame, readIvf } from './support/ivf-reader';
import { toRtpPackets, vp8Payloads } from './support/rtp-packetizers';
import { killRunningTools, runTool } from './support/run-tool';

/** 30 libvpx frames of 320x240, a keyframe every 10. */
let frames: IvfFrame[];
const timestampOf = (index: number): number => 1000 + index * 3000;

beforeAll(async () => {
  const { code, stdout } = await runTool('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '30'],
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-auto-alt-ref', '0'],
    ...['-g', '10', '-keyint_min', '10', '-b:v', '500k', '-f', 'ivf', '-'],
  ]);
  expect(code).toBe(0);
  frames = readIvf(stdout).frames;
  expect(frames).toHaveLength(30);
});

afterAll(killRunningTools);

const packetize = (mtu = 500): RtpPacketView[] =>
  toRtpPackets(frames.map((frame, i) => ({ timestamp: timestampOf(i), payloads: vp8Payloads(frame.data, 0x7000 + i, mtu) })));
const asItems = (packets: readonly RtpPacketView[]): RtpStreamItem[] => packets.map((packet) => ({ kind: 'packet', packet }));
const indexOf = (frame: Vp8Frame): number => (frame.rtpTimestamp - 1000) / 3000;

interface ProbeReport {
  streams: { nb_read_frames: string; width: number; height: number }[];
  packets: { pts_time: string }[];
}

function run(depacketizer: Vp8Depacketizer, items: readonly RtpStreamItem[]): { out: Vp8Frame[]; keyframeRequests: number[] } {
  const out: Vp8Frame[] = [];
  const keyframeRequests: number[] = [];
  items.forEach((item, i) => {
    const result = depacketizer.push(item);
    out.push(...result.frames);
    if (result.needKeyframe) keyframeRequests.push(i);
  });
  return { out, keyframeRequests };
}

describe('Vp8Depacketizer', () => {
  it('rebuilds every frame byte for byte with keyframe flag, size and PictureID', () => {
    const depacketizer = new Vp8Depacketizer();
    const { out, keyframeRequests } = run(depacketizer, asItems(packetize()));
    expect(out).toHaveLength(30);
    out.forEach((frame, i) => {
      expect(frame.data.equals(frames[i].data)).toBe(true);
      expect(frame).toMatchObject({ rtpTimestamp: timestampOf(i), keyframe: i % 10 === 0, width: 320, height: 240, pictureId: 0x7000 + i });
    });
    expect(keyframeRequests).toEqual([]);
    expect(depacketizer.stats).toEqual({ frames: 30, droppedFrames: 0, malformedPackets: 0 });
  });

  it('after a loss, drops frames up to the next keyframe and asks for one', () => {
    const packets = packetize();
    const victim = packets.findIndex((p) => p.timestamp === timestampOf(12)) + 1;
    const items = asItems(packets);
    items.splice(victim, 1, { kind: 'loss', count: 1 });
    const depacketizer = new Vp8Depacketizer();
    const { out, keyframeRequests } = run(depacketizer, items);
    expect(out.map(indexOf)).toEqual([...Array.from({ length: 12 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
    expect(keyframeRequests).toEqual([victim]);
    expect(depacketizer.stats.droppedFrames).toBe(8);
  });

  it('skips a frame whose first packet was lost even though later packets carry the same timestamp', () => {
    const packets = packetize(300);
    const first = packets.findIndex((p) => p.timestamp === timestampOf(10));
    const items = asItems(packets);
    items.splice(first, 1, { kind: 'loss', count: 1 });
    const { out } = run(new Vp8Depacketizer(), items);
    expect(out.map(indexOf)).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
  });

  it('joining mid-frame waits for the next keyframe, asking for it once', () => {
    const packets = packetize();
    const joinAt = packets.findIndex((p) => p.timestamp === timestampOf(3)) + 1;
    const depacketizer = new Vp8Depacketizer();
    const { out, keyframeRequests } = run(depacketizer, asItems(packets.slice(joinAt)));
    expect(out.map(indexOf)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    expect(keyframeRequests).toHaveLength(1);
  });

  it('drops a frame with a broken descriptor and counts it as malformed', () => {
    const packets = packetize();
    const victim = packets.findIndex((p) => p.timestamp === timestampOf(21)) + 1;
    packets[victim] = { ...packets[victim], payload: Buffer.from([0x80]) };
    const depacketizer = new Vp8Depacketizer();
    const { out } = run(depacketizer, asItems(packets));
    expect(out.map(indexOf)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(depacketizer.stats.malformedPackets).toBe(1);
  });

  it('produces frames ffmpeg decodes when written as IVF', async () => {
    const { out } = run(new Vp8Depacketizer(), asItems(packetize()));
    const ivf = Buffer.concat([
      ivfFileHeader({ width: out[0].width, height: out[0].height, timebaseDenominator: 90000 }),
      ...out.flatMap((frame) => [ivfFrameHeader(frame.data.length, frame.rtpTimestamp - out[0].rtpTimestamp), frame.data]),
    ]);
    const probe = await runTool(
      'ffprobe',
      [
        ...['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width,height:packet=pts_time'],
        ...['-of', 'json', '-f', 'ivf', '-i', 'pipe:0'],
      ],
      ivf,
    );
    expect(probe.stderr).toBe('');
    const report = JSON.parse(probe.stdout.toString()) as ProbeReport;
    expect(report.streams[0]).toEqual({ nb_read_frames: '30', width: 320, height: 240 });
    // Frame n is 3000 × n in the 1/90000 time base: n / 30 s.
    expect(report.packets.map((p) => Number(p.pts_time))).toEqual(out.map((_, n) => expect.closeTo(n / 30, 5)));
  });
});
