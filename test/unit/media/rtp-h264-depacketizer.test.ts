import { isIdr, joinAvcc, NalType, nalType, splitAnnexB, splitAvcc } from '../../../server/media/h264/nal';
import { type H264AccessUnit, H264Depacketizer } from '../../../server/media/rtp/h264-depacketizer';
import { RtpReorderBuffer } from '../../../server/media/rtp/reorder-buffer';
import type { RtpPacketView, RtpStreamItem } from '../../../server/media/rtp/rtp-packet';
import { seededRandom } from './support/prng';
import { h264Payloads, toRtpPackets } from './support/rtp-packetizers';
import { killRunningTools, runTool } from './support/run-tool';

/** Access units of the x264 test stream, each a list of NAL units (AUDs included). */
let accessUnits: Buffer[][];
/** 90 kHz timestamps starting just below 2^32, so the stream wraps. */
const timestampOf = (index: number): number => (0xfffff000 + index * 3000) >>> 0;

beforeAll(async () => {
  // 30 frames, an IDR every 10, access unit delimiters on, two slices per picture.
  const { code, stdout } = await runTool('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '30'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-keyint_min', '10', '-bf', '0', '-slices', '2', '-x264-params', 'aud=1'],
    ...['-f', 'h264', '-'],
  ]);
  expect(code).toBe(0);
  accessUnits = [];
  for (const nal of splitAnnexB(stdout)) {
    if (nalType(nal) === NalType.AUD) accessUnits.push([]);
    accessUnits[accessUnits.length - 1].push(nal);
  }
});

afterAll(killRunningTools);

/** The stream as RTP packets (STAP-A for small NAL units, FU-A for slices above `mtu`). */
const packetize = (mtu = 600): RtpPacketView[] =>
  toRtpPackets(accessUnits.map((nalus, i) => ({ timestamp: timestampOf(i), payloads: h264Payloads(nalus, mtu) })));

/** What the depacketizer should deliver for access unit `index`: AVCC without the AUD. */
const expectedData = (index: number): Buffer => joinAvcc(accessUnits[index].filter((nal) => nalType(nal) !== NalType.AUD));

interface Run {
  units: H264AccessUnit[];
  /** Index of each push that asked for a keyframe. */
  keyframeRequests: number[];
}

function run(depacketizer: H264Depacketizer, items: readonly RtpStreamItem[]): Run {
  const units: H264AccessUnit[] = [];
  const keyframeRequests: number[] = [];
  items.forEach((item, i) => {
    const { frames, needKeyframe } = depacketizer.push(item);
    units.push(...frames);
    if (needKeyframe) keyframeRequests.push(i);
  });
  return { units, keyframeRequests };
}

const asItems = (packets: readonly RtpPacketView[]): RtpStreamItem[] => packets.map((packet) => ({ kind: 'packet', packet }));
const indexOfUnit = (unit: H264AccessUnit): number => accessUnits.findIndex((_, i) => timestampOf(i) === unit.rtpTimestamp);

describe('H264Depacketizer on a real x264 stream', () => {
  it('rebuilds every access unit byte for byte, without AUDs, from single NAL, STAP-A and FU-A packets', () => {
    const packets = packetize();
    const types = new Set(packets.map((p) => p.payload[0] & 0x1f));
    expect([...types].sort((a, b) => a - b)).toEqual(expect.arrayContaining([24, 28]));

    const depacketizer = new H264Depacketizer();
    const { units, keyframeRequests } = run(depacketizer, asItems(packets));
    expect(units).toHaveLength(accessUnits.length);
    units.forEach((unit, i) => {
      expect(unit.rtpTimestamp).toBe(timestampOf(i));
      expect(unit.data.equals(expectedData(i))).toBe(true);
      expect(unit.keyframe).toBe(i % 10 === 0);
      expect(unit.keyframe).toBe(isIdr(accessUnits[i]));
      expect(unit.nalTypes).toEqual(splitAvcc(unit.data).map(nalType));
      expect(unit.nalTypes).not.toContain(NalType.AUD);
    });
    expect(keyframeRequests).toEqual([]);
    expect(depacketizer.waitingForKeyframe).toBe(false);
    expect(depacketizer.sps?.equals(accessUnits[0].find((n) => nalType(n) === NalType.SPS)!)).toBe(true);
    expect(depacketizer.pps?.equals(accessUnits[0].find((n) => nalType(n) === NalType.PPS)!)).toBe(true);
    expect(depacketizer.stats).toEqual({ accessUnits: 30, droppedAccessUnits: 0, unsupportedPackets: 0, malformedPackets: 0 });
  });

  it('reports the receive time of each access unit’s first packet', () => {
    const packets = packetize();
    const { units } = run(new H264Depacketizer(), asItems(packets));
    const firstPacketOf = (ts: number): RtpPacketView => packets.find((p) => p.timestamp === ts)!;
    for (const unit of units) expect(unit.receivedAt).toBe(firstPacketOf(unit.rtpTimestamp).receivedAt);
  });

  it('ends access units on a timestamp change when the sender sets no marker bit', () => {
    const packets = packetize().map((p) => ({ ...p, marker: false }));
    const { units } = run(new H264Depacketizer(), asItems(packets));
    // The last access unit has no successor to end it.
    expect(units.map(indexOfUnit)).toEqual(accessUnits.slice(0, -1).map((_, i) => i));
    expect(units[5].data.equals(expectedData(5))).toBe(true);
  });

  it('after a loss in a P frame, drops everything up to the next IDR and asks for a keyframe once', () => {
    const packets = packetize();
    const victim = packets.findIndex((p) => p.timestamp === timestampOf(3) && (p.payload[0] & 0x1f) === 28 && (p.payload[1] & 0x80) === 0);
    expect(victim).toBeGreaterThan(0);
    const items: RtpStreamItem[] = asItems(packets);
    items.splice(victim, 1, { kind: 'loss', count: 1 });

    const depacketizer = new H264Depacketizer();
    const { units, keyframeRequests } = run(depacketizer, items);
    expect(units.map(indexOfUnit)).toEqual([0, 1, 2, ...Array.from({ length: 20 }, (_, i) => 10 + i)]);
    expect(keyframeRequests).toEqual([victim]);
    expect(depacketizer.stats.droppedAccessUnits).toBe(7);
  });

  it('drops an IDR whose middle fragment was lost and waits for the next one', () => {
    const packets = packetize(300);
    const idrFragments = packets
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => p.timestamp === timestampOf(10) && (p.payload[0] & 0x1f) === 28 && (p.payload[1] & 0x1f) === NalType.IDR);
    const victim = idrFragments[1].i;
    const items: RtpStreamItem[] = asItems(packets);
    items.splice(victim, 1, { kind: 'loss', count: 1 });
    const { units } = run(new H264Depacketizer(), items);
    expect(units.map(indexOfUnit)).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
  });

  it('skips the remains of an access unit whose first packets were lost', () => {
    const packets = packetize(300);
    const start = packets.findIndex((p) => p.timestamp === timestampOf(20));
    // Lose the STAP-A with SPS/PPS/SEI and the first fragment of the IDR: what follows is a fragment tail.
    const items: RtpStreamItem[] = [...asItems(packets.slice(0, start)), { kind: 'loss', count: 2 }, ...asItems(packets.slice(start + 2))];
    const { units } = run(new H264Depacketizer(), items);
    expect(units.map(indexOfUnit)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('starting mid-stream, ignores fragment tails and P frames until the first IDR, asking for it once', () => {
    const packets = packetize();
    const joinAt = packets.findIndex((p) => p.timestamp === timestampOf(4)) + 1; // inside access unit 4
    const depacketizer = new H264Depacketizer();
    const { units, keyframeRequests } = run(depacketizer, asItems(packets.slice(joinAt)));
    expect(units.map(indexOfUnit)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    expect(keyframeRequests).toHaveLength(1);
    expect(depacketizer.waitingForKeyframe).toBe(false);
  });

  it('survives network reordering when fed through the reorder buffer', () => {
    const random = seededRandom(6184);
    const packets = packetize(200).map((p, i) => ({ ...p, receivedAt: i + (random() < 0.2 ? random() * 20 : 0) }));
    packets.sort((a, b) => a.receivedAt - b.receivedAt);
    const buffer = new RtpReorderBuffer();
    const items = [...packets.flatMap((p) => buffer.push(p)), ...buffer.poll(Infinity)];
    const { units } = run(new H264Depacketizer(), items);
    expect(units).toHaveLength(30);
    units.forEach((unit, i) => expect(unit.data.equals(expectedData(i))).toBe(true));
    expect(buffer.stats).toEqual({ lost: 0, late: 0, duplicates: 0, restarts: 0 });
  });
});

describe('H264Depacketizer on hand-made packets', () => {
  const sps = Buffer.from('6742c01ed900a02ff97011000003000100000300320f162e48', 'hex');
  const pps = Buffer.from('68cb83cb20', 'hex');
  const idr = Buffer.from('65888400ff', 'hex'); // first_mb_in_slice = 0
  const pSlice = Buffer.from('419a2233', 'hex');
  const filler = Buffer.from('0cffffff80', 'hex');
  const stapA = (...nalus: Buffer[]): Buffer =>
    Buffer.concat([Buffer.from([0x78]), ...nalus.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
  const packetOf = (sequenceNumber: number, timestamp: number, marker: boolean, payload: Buffer): RtpStreamItem => ({
    kind: 'packet',
    packet: { sequenceNumber, timestamp, marker, payload, receivedAt: sequenceNumber },
  });

  it('recognises an IDR inside a STAP-A and removes filler data', () => {
    const { units } = run(new H264Depacketizer(), [packetOf(0, 0, true, stapA(sps, pps, filler, idr))]);
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({ keyframe: true, nalTypes: [7, 8, 5] });
    expect(units[0].data.equals(joinAvcc([sps, pps, idr]))).toBe(true);
  });

  it.each([
    ['STAP-B', 25],
    ['MTAP16', 26],
    ['MTAP24', 27],
    ['FU-B', 29],
  ])('counts %s as unsupported and drops its access unit', (_name, type) => {
    const depacketizer = new H264Depacketizer();
    const { units, keyframeRequests } = run(depacketizer, [
      packetOf(0, 0, true, stapA(sps, pps, idr)),
      packetOf(1, 3000, false, pSlice),
      packetOf(2, 3000, true, Buffer.from([type, 0x85, 0, 1, 2])),
      packetOf(3, 6000, true, pSlice),
      packetOf(4, 9000, true, stapA(sps, pps, idr)),
    ]);
    expect(units.map((u) => u.rtpTimestamp)).toEqual([0, 9000]);
    expect(keyframeRequests).toEqual([2]);
    expect(depacketizer.stats).toMatchObject({ unsupportedPackets: 1, malformedPackets: 0, droppedAccessUnits: 2 });
  });

  it.each([
    ['a STAP-A length that overruns the packet', Buffer.from('7800ff6588', 'hex')],
    ['an empty STAP-A', Buffer.from('78', 'hex')],
    ['an FU-A continuation without its start', Buffer.from('7c050102', 'hex')],
    ['an FU-A start that never ends', Buffer.from('7c850102', 'hex')],
    ['an empty payload', Buffer.alloc(0)],
    ['a reserved NAL type', Buffer.from('1e0102', 'hex')],
  ])('drops the access unit on %s', (_name, payload) => {
    const depacketizer = new H264Depacketizer();
    const { units } = run(depacketizer, [
      packetOf(0, 0, true, stapA(sps, pps, idr)),
      packetOf(1, 3000, true, payload),
      packetOf(2, 6000, true, stapA(sps, pps, idr)),
    ]);
    expect(units.map((u) => u.rtpTimestamp)).toEqual([0, 6000]);
    expect(depacketizer.stats.malformedPackets).toBe(1);
  });

  it('assembles a large FU-A access unit in one allocation, not one concatenation per fragment', () => {
    const big = Buffer.concat([Buffer.from([0x65, 0x88]), Buffer.alloc(2_000_000, 7)]);
    const fragments = h264Payloads([big], 1000);
    const concat = jest.spyOn(Buffer, 'concat');
    const items = fragments.map((payload, i) => packetOf(i, 0, i === fragments.length - 1, payload));
    const { units } = run(new H264Depacketizer(), items);
    expect(concat).not.toHaveBeenCalled();
    concat.mockRestore();
    expect(units[0].data.equals(joinAvcc([big]))).toBe(true);
  });
});
