import { AacFormatError } from '../../../../server/media/aac/aac-format-error';
import { parseAdtsHeader } from '../../../../server/media/aac/adts-header';
import { buildAudioSpecificConfig } from '../../../../server/media/aac/audio-specific-config';
import { AUDIO_PID, PCR_LAG, PMT_PID, TIMESTAMP_OFFSET, TsMuxer, VIDEO_PID, type TsVideoAccessUnit } from '../../../../server/media/containers/mpegts/ts-muxer';
import { H264FormatError } from '../../../../server/media/h264/h264-format-error';
import { joinAvcc, splitAnnexB } from '../../../../server/media/h264/nal';
import { MediaFormatError } from '../../../../server/media/media-format-error';
import { TsReader, type TsSummary } from '../../../support/ts-reader';

const MOD = 2 ** 33;
const SPS = Buffer.from('6742c01eda0280bfe5c04400000fa40003a9803c58ba80', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const IN_BAND_SPS = Buffer.from('6742c01e00aa', 'hex');
const IN_BAND_PPS = Buffer.from('68ce0001', 'hex');
const AUD_NAL = Buffer.from('09f0', 'hex');
const SEI = Buffer.from('0605ffee0102', 'hex');
const AAC_CONFIG = buildAudioSpecificConfig(2, 48000, 2);
const AUDIO_FRAME_TICKS = 1920; // 1024 samples at 48 kHz

/** A slice NAL unit of `length` bytes: IDR (type 5) or not (type 1), its body numbered so it can be recognised. */
function slice(idr: boolean, length: number, tag: number): Buffer {
  const nal = Buffer.alloc(length, tag & 0x7f);
  nal[0] = idr ? 0x65 : 0x41;
  return nal;
}

function videoAu(fields: Partial<TsVideoAccessUnit> & { keyframe: boolean; pts: number }): TsVideoAccessUnit {
  const data = fields.data ?? joinAvcc([slice(fields.keyframe, 3000, fields.pts)]);
  return { sps: SPS, pps: PPS, dts: fields.pts, ...fields, data };
}

function read(outputs: readonly Buffer[]): TsSummary {
  const reader = new TsReader();
  for (const out of outputs) reader.push(out);
  reader.end();
  return reader.summary();
}

/** `a − b` on the 33-bit circle. */
const distance = (a: number, b: number): number => {
  const d = (((a - b) % MOD) + MOD) % MOD;
  return d >= MOD / 2 ? d - MOD : d;
};

/** PCRs never go back and never pass the DTS (else PTS) of a PES that starts after them. */
function expectPcrsSound(summary: TsSummary): void {
  let last: number | undefined;
  for (const pcr of summary.pcrs) {
    if (last !== undefined && !pcr.discontinuity) expect(distance(pcr.base, last)).toBeGreaterThanOrEqual(0);
    last = pcr.base;
  }
  for (const pes of summary.pes) {
    const decodeTime = pes.dts ?? pes.pts!;
    const before = summary.pcrs.filter((p) => p.packetIndex <= pes.packetIndex);
    for (const pcr of before.slice(-20)) expect(distance(decodeTime, pcr.base)).toBeGreaterThanOrEqual(0);
  }
}

/**
 * A 30 fps video + 48 kHz audio stream written as the pipeline does: each video frame, then the
 * audio frames up to `audioLagTicks` behind it. Video has a B-frame-like PTS pattern.
 */
function interleaved(muxer: TsMuxer, options: { start: number; seconds: number; audioLagTicks: (i: number) => number; videoGap?: [number, number] }): Buffer[] {
  const outputs: Buffer[] = [];
  let audioIndex = 0;
  const frames = options.seconds * 30;
  for (let i = 0; i < frames; i++) {
    const dts = options.start + i * 3000;
    const stalled = options.videoGap && i >= options.videoGap[0] && i < options.videoGap[1];
    if (!stalled) outputs.push(muxer.writeVideo(videoAu({ keyframe: i % 60 === 0, dts, pts: dts + 3000 * ((i % 3) + 1) })));
    const audioUpTo = dts - options.audioLagTicks(i);
    for (; options.start + audioIndex * AUDIO_FRAME_TICKS <= audioUpTo; audioIndex++) {
      outputs.push(muxer.writeAudio({ data: Buffer.alloc(300 + (audioIndex % 50), audioIndex & 0xff), pts: options.start + audioIndex * AUDIO_FRAME_TICKS, config: AAC_CONFIG }));
    }
  }
  return outputs;
}

describe('TsMuxer', () => {
  it('starts with PAT, PMT and SDT, repeats them before every keyframe, returns whole packets', () => {
    const muxer = new TsMuxer({ video: true, audio: true });
    const first = muxer.writeVideo(videoAu({ keyframe: true, pts: 0 }));
    expect(first.length % 188).toBe(0);
    expect([0, 188, 376].map((at) => ((first[at + 1] & 0x1f) << 8) | first[at + 2])).toEqual([0, PMT_PID, 0x11]);
    const delta = muxer.writeVideo(videoAu({ keyframe: false, pts: 3000 }));
    expect(((delta[1] & 0x1f) << 8) | delta[2]).toBe(VIDEO_PID);
    const key = muxer.writeVideo(videoAu({ keyframe: true, pts: 6000 }));
    expect(((key[1] & 0x1f) << 8) | key[2]).toBe(0);

    const summary = read([first, delta, key]);
    expect(summary).toMatchObject({ ccErrors: 0, crcErrors: 0, malformed: 0, patCount: 2, pmtCount: 2, sdtCount: 2 });
    expect(summary.pat).toEqual([{ programNumber: 1, pmtPid: PMT_PID }]);
    expect(summary.pmts.get(PMT_PID)).toEqual({
      programNumber: 1,
      pcrPid: VIDEO_PID,
      streams: [
        { streamType: 0x1b, pid: VIDEO_PID },
        { streamType: 0x0f, pid: AUDIO_PID },
      ],
    });
    expect(summary.sdt).toMatchObject({ serviceName: 'webrtc-rtmp-gateway', serviceType: 1 });
  });

  it('puts PSI first in the very first output, whichever track it is', () => {
    const out = new TsMuxer({ video: true, audio: true }).writeAudio({ data: Buffer.alloc(200, 1), pts: 0, config: AAC_CONFIG });
    expect(read([out])).toMatchObject({ patCount: 1, pmtCount: 1, ccErrors: 0 });
    expect(out[1] & 0x1f).toBe(0);
  });

  it('writes AUD, SPS, PPS before each IDR; drops in-band AUDs always and in-band SPS/PPS on keyframes', () => {
    const muxer = new TsMuxer({ video: true, audio: false });
    const idr = slice(true, 500, 1);
    const p = slice(false, 400, 2);
    const outputs = [
      muxer.writeVideo(videoAu({ keyframe: true, pts: 0, data: joinAvcc([AUD_NAL, IN_BAND_SPS, IN_BAND_PPS, SEI, idr]) })),
      muxer.writeVideo(videoAu({ keyframe: false, pts: 3000, data: joinAvcc([AUD_NAL, IN_BAND_SPS, IN_BAND_PPS, p]) })),
      muxer.writeVideo(videoAu({ keyframe: true, pts: 6000, data: joinAvcc([idr]) })),
    ];
    const [key, delta, key2] = read(outputs).pes;
    const annexB = (nals: Buffer[]) => Buffer.concat(nals.flatMap((nal) => [Buffer.from([0, 0, 0, 1]), nal])).toString('hex');
    expect(key!.payload.toString('hex')).toBe(annexB([AUD_NAL, SPS, PPS, SEI, idr]));
    expect(delta!.payload.toString('hex')).toBe(annexB([AUD_NAL, IN_BAND_SPS, IN_BAND_PPS, p]));
    expect(key2!.payload.toString('hex')).toBe(annexB([AUD_NAL, SPS, PPS, idr]));
    expect(splitAnnexB(key!.payload).map((n) => n[0]! & 0x1f)).toEqual([9, 7, 8, 6, 5]);
  });

  it('writes video PES headers: stream 0xE0, unbounded, aligned, PTS+DTS only when they differ, +1 s; random access and PCR', () => {
    const muxer = new TsMuxer({ video: true, audio: true });
    const summary = read([
      muxer.writeVideo(videoAu({ keyframe: true, pts: 0, dts: 0 })),
      muxer.writeVideo(videoAu({ keyframe: false, pts: 9000, dts: 3000 })),
    ]);
    expect(summary.pes.map(({ pid, streamId, pts, dts, declaredLength, dataAlignment, randomAccess, pcr }) => ({ pid, streamId, pts, dts, declaredLength, dataAlignment, randomAccess, pcr }))).toEqual([
      { pid: VIDEO_PID, streamId: 0xe0, pts: TIMESTAMP_OFFSET, dts: undefined, declaredLength: 0, dataAlignment: true, randomAccess: true, pcr: TIMESTAMP_OFFSET - PCR_LAG },
      { pid: VIDEO_PID, streamId: 0xe0, pts: TIMESTAMP_OFFSET + 9000, dts: TIMESTAMP_OFFSET + 3000, declaredLength: 0, dataAlignment: true, randomAccess: false, pcr: TIMESTAMP_OFFSET + 3000 - PCR_LAG },
    ]);
  });

  it('writes one ADTS frame per audio PES, header fields from the AudioSpecificConfig, bounded length, PTS only', () => {
    const muxer = new TsMuxer({ video: true, audio: true });
    const cases = [
      { config: AAC_CONFIG, objectType: 2, sampleRate: 48000, channels: 2 },
      { config: buildAudioSpecificConfig(2, 44100, 1), objectType: 2, sampleRate: 44100, channels: 1 },
      // HE-AAC signalled explicitly (SBR 5, core rate 24 kHz, extension 48 kHz, core AAC-LC): ADTS carries the core.
      { config: Buffer.from([0x2b, 0x12, 0x08, 0x80]), objectType: 2, sampleRate: 24000, channels: 2 },
    ];
    const outputs = cases.map((c, i) => muxer.writeAudio({ data: Buffer.alloc(100 + i, 0x11 * (i + 1)), pts: 1000 * i, config: c.config }));
    const summary = read(outputs);
    expect(summary.malformed).toBe(0);
    summary.pes.forEach((pes, i) => {
      const c = cases[i]!;
      expect(pes).toMatchObject({ pid: AUDIO_PID, streamId: 0xc0, pts: TIMESTAMP_OFFSET + 1000 * i, dts: undefined, declaredLength: 8 + 7 + 100 + i, randomAccess: false, pcr: undefined });
      const header = parseAdtsHeader(pes.payload);
      expect(header).toMatchObject({ objectType: c.objectType, sampleRate: c.sampleRate, channels: c.channels, headerLength: 7, frameLength: 107 + i, rawDataBlocks: 1 });
      expect(pes.payload[1]! & 1).toBe(1); // protection_absent: no CRC
      expect(pes.payload.subarray(7).equals(Buffer.alloc(100 + i, 0x11 * (i + 1)))).toBe(true);
    });
  });

  it('refuses AudioSpecificConfigs ADTS cannot express', () => {
    const muxer = new TsMuxer({ video: false, audio: true });
    const write = (config: Buffer) => () => muxer.writeAudio({ data: Buffer.alloc(10), pts: 0, config });
    expect(write(buildAudioSpecificConfig(23, 48000, 2))).toThrow(AacFormatError); // ER AAC-LD
    expect(write(buildAudioSpecificConfig(2, 50000, 2))).toThrow(AacFormatError); // explicit rate, no index
    expect(write(Buffer.from([0x11, 0x80]))).toThrow(AacFormatError); // channelConfiguration 0 (PCE)
    expect(write(Buffer.alloc(0))).toThrow(MediaFormatError);
  });

  it('in an audio-only program puts the PCR and random access on the audio PID', () => {
    const muxer = new TsMuxer({ video: false, audio: true });
    expect(muxer.pcrPid).toBe(AUDIO_PID);
    const outputs = Array.from({ length: 100 }, (_, i) => muxer.writeAudio({ data: Buffer.alloc(250, i), pts: i * AUDIO_FRAME_TICKS, config: AAC_CONFIG }));
    const summary = read(outputs);
    expect(summary.pmts.get(PMT_PID)).toEqual({ programNumber: 1, pcrPid: AUDIO_PID, streams: [{ streamType: 0x0f, pid: AUDIO_PID }] });
    expect(summary.sdt?.serviceType).toBe(2);
    expect(summary.pes.every((p) => p.randomAccess && p.pcr === p.pts! - PCR_LAG)).toBe(true);
    expect(summary.pcrs).toHaveLength(100);
    // PSI every 100 ms of PCR time: 1.92 s of audio.
    expect(summary.patCount).toBeGreaterThanOrEqual(19);
    expect(summary.patCount).toBeLessThanOrEqual(21);
    expect(() => muxer.writeVideo(videoAu({ keyframe: true, pts: 0 }))).toThrow(TypeError);
    expect(() => new TsMuxer({ video: false, audio: false })).toThrow(TypeError);
  });

  it('keeps continuity, whole packets and sound PCRs over a long interleaved stream', () => {
    const muxer = new TsMuxer({ video: true, audio: true });
    const outputs = interleaved(muxer, { start: -3000, seconds: 20, audioLagTicks: (i) => (i * 7919) % 12_600 });
    expect(outputs.every((out) => out.length > 0 && out.length % 188 === 0)).toBe(true);
    const summary = read(outputs);
    expect(summary).toMatchObject({ ccErrors: 0, crcErrors: 0, malformed: 0, syncErrors: 0 });
    expect(summary.pes.filter((p) => p.pid === VIDEO_PID)).toHaveLength(600);
    expect(summary.pes.filter((p) => p.randomAccess)).toHaveLength(10);
    expect(summary.pes.every((p) => p.pts! > 0)).toBe(true);
    expectPcrsSound(summary);
    // PSI at least every 100 ms of PCR time (PAT packets counted against the PCRs around them).
    expect(summary.patCount).toBeGreaterThanOrEqual(20 * 10 * 0.9);
    expect(summary.patCount).toBeLessThanOrEqual(20 * 10 + 15);
    const pcrGaps = summary.pcrs.slice(1).map((p, i) => p.base - summary.pcrs[i]!.base);
    expect(Math.max(...pcrGaps)).toBeLessThanOrEqual(9000);
  });

  it('wraps every timestamp and the PCR at 2^33', () => {
    const muxer = new TsMuxer({ video: true, audio: true });
    const start = MOD - 2 * 90_000;
    const summary = read(interleaved(muxer, { start, seconds: 4, audioLagTicks: () => 9000 }));
    expect(summary).toMatchObject({ ccErrors: 0, malformed: 0 });
    expect(summary.pes[0]!.pts).toBe((start + 3000 + TIMESTAMP_OFFSET) % MOD);
    expect(summary.pes.every((p) => p.pts! < MOD)).toBe(true);
    expect(summary.pcrs.some((p) => p.base < 90_000)).toBe(true);
    expect(summary.pcrs.some((p) => p.base > MOD - 90_000)).toBe(true);
    expectPcrsSound(summary);
  });

  it('keeps PCRs ≤ 100 ms apart on the video PID while video stalls and audio goes on', () => {
    const muxer = new TsMuxer({ video: true, audio: true });
    // No video from 1 s to 3 s.
    const summary = read(interleaved(muxer, { start: 0, seconds: 5, audioLagTicks: () => 4500, videoGap: [30, 90] }));
    expect(summary).toMatchObject({ ccErrors: 0, malformed: 0 });
    const alone = summary.pcrs.filter((p) => p.alone);
    expect(alone.length).toBeGreaterThan(15);
    expect(alone.every((p) => p.pid === VIDEO_PID)).toBe(true);
    const gaps = summary.pcrs.slice(1).map((p, i) => p.base - summary.pcrs[i]!.base);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(9000);
    expectPcrsSound(summary);
  });

  it('holds the PCR when the DTS steps back a little and flags a discontinuity when it jumps back', () => {
    const muxer = new TsMuxer({ video: true, audio: false });
    const outputs = [0, 3000, 6000, 4000, 9000, 12_000, -600_000, -597_000].map((dts, i) => muxer.writeVideo(videoAu({ keyframe: i === 0, pts: dts, dts })));
    const summary = read(outputs);
    expect(summary.pcrs.map((p) => [p.base - TIMESTAMP_OFFSET + PCR_LAG, p.discontinuity])).toEqual([
      [0, false],
      [3000, false],
      [6000, false],
      [6000, false],
      [9000, false],
      [12_000, false],
      [(-600_000 + TIMESTAMP_OFFSET - PCR_LAG + MOD) % MOD - TIMESTAMP_OFFSET + PCR_LAG, true],
      [(-597_000 + TIMESTAMP_OFFSET - PCR_LAG + MOD) % MOD - TIMESTAMP_OFFSET + PCR_LAG, false],
    ]);
    expect(summary.patCount).toBe(3); // the first keyframe, 100 ms later, and the new time base
    expect(summary.ccErrors).toBe(0);
  });

  describe('malformed input', () => {
    const good = (i: number): TsVideoAccessUnit => videoAu({ keyframe: i % 4 === 0, pts: i * 3000 });
    const badVideo: Array<[string, TsVideoAccessUnit, new (...args: never[]) => Error]> = [
      ['a NAL length past the end', videoAu({ keyframe: false, pts: 0, data: Buffer.from('0000000a41aabbcc', 'hex') }), H264FormatError],
      ['a cut length field', videoAu({ keyframe: false, pts: 0, data: Buffer.concat([joinAvcc([slice(false, 10, 1)]), Buffer.from([0, 0])]) }), H264FormatError],
      ['a zero-length NAL', videoAu({ keyframe: false, pts: 0, data: Buffer.concat([joinAvcc([slice(false, 10, 1)]), Buffer.alloc(4)]) }), MediaFormatError],
      ['empty data', videoAu({ keyframe: false, pts: 0, data: Buffer.alloc(0) }), MediaFormatError],
      ['only an AUD', videoAu({ keyframe: false, pts: 0, data: joinAvcc([AUD_NAL]) }), MediaFormatError],
      ['Annex B instead of AVCC', videoAu({ keyframe: false, pts: 0, data: Buffer.from('0000000141aabb0000000141ccdd', 'hex') }), MediaFormatError],
      ['a NaN PTS', videoAu({ keyframe: false, pts: NaN }), MediaFormatError],
      ['a fractional DTS', videoAu({ keyframe: false, pts: 3000, dts: 1.5 }), MediaFormatError],
      ['an infinite DTS', videoAu({ keyframe: false, pts: 3000, dts: Infinity }), MediaFormatError],
      ['a keyframe with an empty SPS', videoAu({ keyframe: true, pts: 0, sps: Buffer.alloc(0) }), MediaFormatError],
      ['a keyframe whose PPS is not a PPS', videoAu({ keyframe: true, pts: 0, pps: SPS }), MediaFormatError],
    ];

    it.each(badVideo)('refuses %s with a MediaFormatError', (_, au, type) => {
      const muxer = new TsMuxer({ video: true, audio: true });
      expect(() => muxer.writeVideo(au)).toThrow(type);
      expect(() => muxer.writeVideo(au)).toThrow(MediaFormatError);
    });

    it('refuses bad audio frames', () => {
      const muxer = new TsMuxer({ video: true, audio: true });
      expect(() => muxer.writeAudio({ data: Buffer.alloc(0), pts: 0, config: AAC_CONFIG })).toThrow(/does not fit an ADTS frame/);
      expect(() => muxer.writeAudio({ data: Buffer.alloc(8185), pts: 0, config: AAC_CONFIG })).toThrow(MediaFormatError);
      expect(() => muxer.writeAudio({ data: Buffer.alloc(10), pts: -0.5, config: AAC_CONFIG })).toThrow(MediaFormatError);
      expect(() => muxer.writeAudio({ data: Buffer.alloc(10), pts: 2 ** 60, config: AAC_CONFIG })).toThrow(MediaFormatError);
    });

    it('leaves no trace: with bad frames in between, the output is byte for byte that of a muxer that never saw them', () => {
      const clean = new TsMuxer({ video: true, audio: true });
      const hit = new TsMuxer({ video: true, audio: true });
      const cleanOut: Buffer[] = [];
      const hitOut: Buffer[] = [];
      for (let i = 0; i < 60; i++) {
        const audio = { data: Buffer.alloc(200, i), pts: i * 3000 - 4000, config: AAC_CONFIG };
        cleanOut.push(clean.writeVideo(good(i)), clean.writeAudio(audio));
        const [, bad] = badVideo[i % badVideo.length]!;
        expect(() => hit.writeVideo(bad)).toThrow(MediaFormatError);
        expect(() => hit.writeAudio({ ...audio, config: Buffer.from([0xf8, 0, 0]) })).toThrow(MediaFormatError);
        hitOut.push(hit.writeVideo(good(i)));
        expect(() => hit.writeAudio({ ...audio, data: Buffer.alloc(0) })).toThrow(MediaFormatError);
        hitOut.push(hit.writeAudio(audio));
      }
      expect(Buffer.concat(hitOut).equals(Buffer.concat(cleanOut))).toBe(true);
      expect(read(hitOut)).toMatchObject({ ccErrors: 0, malformed: 0 });
    });
  });
});
