import { H264FormatError } from '../../../../server/media/h264/h264-format-error';
import { joinAvcc, NalType, nalType, splitAnnexB, splitAvcc } from '../../../../server/media/h264/nal';
import { H264Depacketizer, type H264AccessUnit } from '../../../../server/media/rtp/h264-depacketizer';
import { DEFAULT_MAX_PAYLOAD_BYTES, H264Packetizer, type H264ParameterSets } from '../../../../server/media/rtp/h264-packetizer';
import { seededRandom } from '../support/prng';
import { killRunningTools, runTool } from '../support/run-tool';

const STAP_A = 24;
const FU_A = 28;

interface Payload {
  payload: Buffer;
  last: boolean;
}

function packetize(packetizer: H264Packetizer, accessUnit: Buffer, keyframe = false, parameterSets?: H264ParameterSets): Payload[] {
  const payloads: Payload[] = [];
  const count = packetizer.packetize(accessUnit, keyframe, parameterSets, (payload, last) => payloads.push({ payload: Buffer.from(payload), last }));
  expect(count).toBe(payloads.length);
  return payloads;
}

/** Feeds packetized access units, one RTP timestamp each, through the depacketizer; returns what it rebuilt. */
function roundTrip(units: ReadonlyArray<{ payloads: Payload[] }>): H264AccessUnit[] {
  const depacketizer = new H264Depacketizer();
  const rebuilt: H264AccessUnit[] = [];
  let sequenceNumber = 65530; // wraps
  units.forEach(({ payloads }, index) => {
    for (const { payload, last } of payloads) {
      const packet = { sequenceNumber: sequenceNumber++ & 0xffff, timestamp: index * 3000, marker: last, payload, receivedAt: 0 };
      rebuilt.push(...depacketizer.push({ kind: 'packet', packet }).frames);
    }
  });
  expect(depacketizer.stats).toMatchObject({ droppedAccessUnits: 0, malformedPackets: 0, unsupportedPackets: 0 });
  return rebuilt;
}

/** A NAL unit of `type` and `length` bytes (header included), random content; slices start a picture (first_mb_in_slice = 0). */
function nal(type: number, length: number, random = seededRandom(length)): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 1; i < length; i++) out[i] = Math.floor(random() * 256);
  out[0] = 0x60 | type;
  if (length > 1 && (type === NalType.IDR || type === NalType.SLICE)) out[1] |= 0x80;
  return out;
}

const SPS = nal(NalType.SPS, 12);
const PPS = nal(NalType.PPS, 5);

describe('H264Packetizer', () => {
  it('sends a NAL unit that fits as one single NAL unit packet, zero-copy, with the marker on the last', () => {
    const au = joinAvcc([nal(NalType.SEI, 20), nal(NalType.SLICE, 1200)]);
    const payloads = packetize(new H264Packetizer(), au);
    expect(payloads.map((p) => [p.payload.length, p.last])).toEqual([[20, false], [1200, true]]);
    expect(payloads[1]!.payload.equals(au.subarray(4 + 20 + 4))).toBe(true);
    const views: Buffer[] = [];
    new H264Packetizer().packetize(au, false, undefined, (payload) => views.push(payload));
    expect(views.map((v) => [v.buffer === au.buffer, v.byteOffset - au.byteOffset])).toEqual([[true, 4], [true, 28]]);
  });

  it('fragments a NAL unit one byte too big into two FU-A packets of even size, S on the first and E on the last', () => {
    const slice = nal(NalType.IDR, 1201);
    const payloads = packetize(new H264Packetizer(), joinAvcc([slice]));
    expect(payloads.map((p) => p.payload.length)).toEqual([602, 602]);
    const [first, second] = payloads.map((p) => p.payload);
    expect(first![0]).toBe((slice[0]! & 0xe0) | FU_A);
    expect(first![1]).toBe(0x80 | NalType.IDR);
    expect(second![1]).toBe(0x40 | NalType.IDR);
    expect(payloads.map((p) => p.last)).toEqual([false, true]);
    expect(Buffer.concat([slice.subarray(0, 1), first!.subarray(2), second!.subarray(2)]).equals(slice)).toBe(true);
  });

  it('never exceeds the payload size, whatever the NAL unit sizes, and the depacketizer rebuilds every access unit', () => {
    const random = seededRandom(7);
    for (const maxPayloadBytes of [3, 4, 50, 101, DEFAULT_MAX_PAYLOAD_BYTES]) {
      const packetizer = new H264Packetizer(maxPayloadBytes);
      const units = Array.from({ length: 40 }, (_, i) => {
        const nals = [nal(i === 0 ? NalType.IDR : NalType.SLICE, 1 + Math.floor(random() * Math.min(3000, maxPayloadBytes * 30)), random)];
        if (random() < 0.5) nals.unshift(nal(NalType.SEI, 1 + Math.floor(random() * 200), random));
        const data = joinAvcc(nals);
        return { data, payloads: packetize(packetizer, data, i === 0) };
      });
      for (const { payloads } of units) {
        for (const { payload } of payloads) expect(payload.length).toBeLessThanOrEqual(maxPayloadBytes);
        expect(payloads.map((p) => p.last)).toEqual(payloads.map((_, i) => i === payloads.length - 1));
        // FU-A fragments of one NAL unit differ in size by one byte at most.
        const perNal: number[][] = [];
        for (const { payload } of payloads) {
          if ((payload[0]! & 0x1f) !== FU_A) continue;
          if (payload[1]! & 0x80) perNal.push([]);
          perNal.at(-1)!.push(payload.length);
        }
        for (const sizes of perNal) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
      expect(roundTrip(units).map((u) => u.data)).toEqual(units.map((u) => u.data));
    }
  });

  it('puts SPS and PPS from the parameters first on a keyframe without them, as one STAP-A', () => {
    const idr = joinAvcc([nal(NalType.IDR, 3000)]);
    const payloads = packetize(new H264Packetizer(), idr, true, { sps: SPS, pps: PPS });
    const stap = payloads[0]!.payload;
    expect(stap[0]! & 0x1f).toBe(STAP_A);
    expect(stap[0]! & 0x60).toBe(0x60); // the higher NRI of the two
    expect(splitAvcc(stap.subarray(1), 2)).toEqual([SPS, PPS]);
    expect(payloads[0]!.last).toBe(false);
    const [rebuilt] = roundTrip([{ payloads }]);
    expect(rebuilt!.data.equals(Buffer.concat([joinAvcc([SPS, PPS]), idr]))).toBe(true);
    expect(rebuilt!.keyframe).toBe(true);
  });

  it('adds no parameter sets to a keyframe that has its own, nor to other frames', () => {
    const packetizer = new H264Packetizer();
    const own = joinAvcc([SPS, PPS, nal(NalType.IDR, 500)]);
    expect(packetize(packetizer, own, true, { sps: nal(NalType.SPS, 30), pps: PPS }).map((p) => p.payload)).toEqual(splitAvcc(own));
    const delta = joinAvcc([nal(NalType.SLICE, 500)]);
    expect(packetize(packetizer, delta, false, { sps: SPS, pps: PPS })).toHaveLength(1);
  });

  it('sends SPS and PPS on their own when they do not fit one STAP-A', () => {
    const sps = nal(NalType.SPS, 60);
    const pps = nal(NalType.PPS, 40);
    const payloads = packetize(new H264Packetizer(100), joinAvcc([nal(NalType.IDR, 90)]), true, { sps, pps });
    expect(payloads.map((p) => p.payload)).toEqual([sps, pps, expect.any(Buffer)]);
    expect(roundTrip([{ payloads }])).toHaveLength(1);
  });

  it('throws H264FormatError on a malformed access unit before emitting anything', () => {
    const packetizer = new H264Packetizer();
    const good = joinAvcc([nal(NalType.IDR, 50)]);
    const overrun = Buffer.from(good);
    overrun.writeUInt32BE(51, 0);
    const sink = jest.fn();
    expect(() => packetizer.packetize(overrun, true, { sps: SPS, pps: PPS }, sink)).toThrow(H264FormatError);
    expect(() => packetizer.packetize(Buffer.concat([good, Buffer.from([0, 0])]), false, undefined, sink)).toThrow(H264FormatError);
    expect(sink).not.toHaveBeenCalled();
  });

  it('refuses a payload size too small for an FU-A', () => {
    expect(() => new H264Packetizer(2)).toThrow(RangeError);
    expect(() => new H264Packetizer(1.5)).toThrow(RangeError);
  });
});

describe('H264Packetizer on a real x264 stream', () => {
  afterAll(killRunningTools);

  it('round-trips 30 access units (two slices each, IDR every 10) through the depacketizer byte for byte', async () => {
    const { code, stdout } = await runTool('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-frames:v', '30'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-keyint_min', '10', '-bf', '0', '-slices', '2', '-x264-params', 'aud=1'],
      ...['-f', 'h264', '-'],
    ]);
    expect(code).toBe(0);
    // The hub's form: one AVCC buffer per access unit, no AUD; SPS and PPS only on the first (as RTMP sends them, out of band).
    const accessUnits: Buffer[][] = [];
    for (const unit of splitAnnexB(stdout)) {
      if (nalType(unit) === NalType.AUD) accessUnits.push([]);
      else accessUnits.at(-1)!.push(unit);
    }
    const sps = accessUnits[0]!.find((n) => nalType(n) === NalType.SPS)!;
    const pps = accessUnits[0]!.find((n) => nalType(n) === NalType.PPS)!;
    const packetizer = new H264Packetizer();
    const units = accessUnits.map((nals, i) => {
      const keyframe = nals.some((n) => nalType(n) === NalType.IDR);
      const data = joinAvcc(i === 0 ? nals : nals.filter((n) => nalType(n) !== NalType.SPS && nalType(n) !== NalType.PPS));
      return { keyframe, data, payloads: packetize(packetizer, data, keyframe, { sps, pps }) };
    });
    expect(units.filter((u) => u.payloads.some((p) => p.payload.length > 1000)).length).toBeGreaterThan(0);
    const rebuilt = roundTrip(units);
    expect(rebuilt).toHaveLength(30);
    rebuilt.forEach((unit, i) => {
      const expected = units[i]!.keyframe && i > 0 ? Buffer.concat([joinAvcc([sps, pps]), units[i]!.data]) : units[i]!.data;
      expect(unit.data.equals(expected)).toBe(true);
      expect(unit.keyframe).toBe(units[i]!.keyframe);
    });
  });
});
