import { BEEP_LEVEL_KEY } from '../../support/av-sync';
import { avSyncSamples, BURST_LEAD_S, formatQualityReport, isIntact, longestFreeze, qualityReport, recoveryAfter, streamClock } from '../../support/stream-quality';
import { parseRecording, type DecodedVideoFrame, type StreamRecording } from '../../support/stream-recording';
import { readTimeCode, TIME_CODE_COLUMNS, TIME_CODE_HEIGHT, TIME_CODE_PAGE_SCRIPT, TIME_CODE_ROWS, TIME_CODE_TOP, unwrapTimeCode } from '../../support/time-code';

/** The wall clock at pts 0 of the synthetic streams, ms since the epoch. */
const T0 = Date.UTC(2026, 0, 1);
const FRAME_S = 1 / 30;

/** Runs the page's drawTimeCode on a recording canvas and returns the cells as a 320×240 picture scaled to 20×2 would read. */
function drawnCells(ms: number): Uint8Array {
  const draw = new Function(`${TIME_CODE_PAGE_SCRIPT}; return drawTimeCode;`)() as (g: unknown, ms: number) => void;
  const cells = new Uint8Array(TIME_CODE_COLUMNS * TIME_CODE_ROWS);
  const g = {
    fillStyle: '',
    fillRect(x: number, y: number, width: number, height: number) {
      // Every cell is one 16×16 square inside the strip the reader crops.
      expect([width, height]).toEqual([16, 16]);
      expect(y).toBeGreaterThanOrEqual(240 * TIME_CODE_TOP);
      expect(y + height).toBeLessThanOrEqual(240 * (TIME_CODE_TOP + TIME_CODE_HEIGHT));
      cells[((y - 240 * TIME_CODE_TOP) / 16) * TIME_CODE_COLUMNS + x / 16] = this.fillStyle === '#fff' ? 255 : 0;
    },
  };
  draw(g, ms);
  return cells;
}

/** A regular 30 fps stream over [fromS, toS), each picture time-coded as drawn at T0 + pts. */
function cadence(fromS: number, toS: number, options: { damaged?: boolean; keyframeEvery?: number } = {}): DecodedVideoFrame[] {
  const frames: DecodedVideoFrame[] = [];
  for (let i = 0; fromS + i * FRAME_S < toS - 1e-9; i++) {
    const pts = fromS + i * FRAME_S;
    frames.push({ pts, keyframe: options.keyframeEvery !== undefined && i % options.keyframeEvery === 0, luma: 16, drawnAtMs: options.damaged === true ? undefined : T0 + pts * 1000 });
  }
  return frames;
}

function recording(frames: DecodedVideoFrame[], audioLevels: Array<[number, number]> = [], errors: string[] = []): StreamRecording {
  return { frames, audioLevels, errors };
}

describe('time code', () => {
  test('what the page draws reads back as the time it drew, modulo 2^32', () => {
    for (const ms of [0, 1, 0xffffffff, T0, T0 + 123_456, 2 ** 40 + 5]) expect(readTimeCode(drawnCells(ms))).toBe(ms % 2 ** 32);
  });

  test('a damaged cell fails the check', () => {
    const cells = drawnCells(T0);
    for (const i of [0, 17, 31, 39]) {
      const damaged = Uint8Array.from(cells);
      damaged[i] = 255 - damaged[i]!;
      expect(readTimeCode(damaged)).toBeUndefined();
    }
    // A picture without a code: black, white or mid-grey everywhere.
    for (const level of [0, 128, 255]) expect(readTimeCode(new Uint8Array(40).fill(level))).toBeUndefined();
  });

  test('unwraps to the full time nearest a reference, across a wrap of the 32 bits', () => {
    const wrap = 2 ** 32 * 400;
    expect(unwrapTimeCode((wrap - 10) % 2 ** 32, wrap + 5)).toBe(wrap - 10);
    expect(unwrapTimeCode(5, wrap - 10)).toBe(wrap + 5);
    expect(unwrapTimeCode(T0 % 2 ** 32, T0 + 60_000)).toBe(T0);
  });
});

describe('parseRecording', () => {
  test('takes pictures from showinfo, their time codes from the raw records, levels from ametadata and the error lines', () => {
    const showinfo = (n: number, ptsTime: string, key: number, mean: number) =>
      `[Parsed_showinfo_0 @ 0x5563] [info] n:${String(n).padStart(4)} pts:${String(n * 33).padStart(7)} pts_time:${ptsTime} pos: 698 fmt:yuv420p sar:1/1 s:320x240 i:P iskey:${key} type:${key ? 'I' : 'P'} checksum:6913BA18 plane_checksum:[28ACB995 1669959F 55DA6AD5] mean:[${mean} 128 128] stdev:[71.5 70.5 71.6]`;
    const log = [
      '[info] Input #0, flv, from \'rtmp://127.0.0.1/live/x\':',
      showinfo(0, '0.021', 1, 30),
      '[Parsed_ametadata_3 @ 0x55aa] [info] frame:0    pts:0       pts_time:0',
      `[Parsed_ametadata_3 @ 0x55aa] [info] ${BEEP_LEVEL_KEY}=-60.5`,
      '[h264 @ 0x55bb] [error] error while decoding MB 3 4, bytestream -5',
      showinfo(1, '0.054', 0, 220),
      '[Parsed_ametadata_3 @ 0x55aa] [info] frame:1    pts:240     pts_time:0.005',
      `[Parsed_ametadata_3 @ 0x55aa] [info] ${BEEP_LEVEL_KEY}=-12`,
      showinfo(2, '0.088', 0, 30), // cut by -t: no raw record
    ].join('\n');
    const garbled = drawnCells(T0 + 54).map((level, i) => (i === 3 ? 255 - level : level));
    const parsed = parseRecording(log, Buffer.concat([drawnCells(T0 + 21), garbled]), T0);
    expect(parsed.frames).toEqual([
      { pts: 0.021, keyframe: true, luma: 30, drawnAtMs: T0 + 21 },
      { pts: 0.054, keyframe: false, luma: 220, drawnAtMs: undefined },
    ]);
    expect(parsed.audioLevels).toEqual([[0, -60.5], [0.005, -12]]);
    expect(parsed.errors).toEqual(['[h264 @ 0x55bb] [error] error while decoding MB 3 4, bytestream -5']);
  });
});

describe('stream quality figures', () => {
  test('the longest freeze is the largest gap, leaving out gaps that touch an excluded window', () => {
    const frames = [...cadence(0, 2), ...cadence(2.3, 5), ...cadence(5.9, 8)];
    expect(longestFreeze(frames)).toEqual({ fromS: expect.closeTo(5 - FRAME_S, 6), toS: 5.9, durationMs: expect.closeTo(900 + FRAME_S * 1000, 6) });
    const outside = longestFreeze(frames, [{ fromS: 5.2, toS: 6.2 }]);
    expect(outside.durationMs).toBeCloseTo(300 + FRAME_S * 1000, 6);
    expect(outside.fromS).toBeCloseTo(2 - FRAME_S, 6);
    // A gap that merely ends where a window starts is not excluded.
    expect(longestFreeze(frames, [{ fromS: 5.9, toS: 6.5 }]).durationMs).toBeCloseTo(900 + FRAME_S * 1000, 6);
    expect(() => longestFreeze(frames.slice(0, 1))).toThrow(RangeError);
  });

  test('recovery waits for intact pictures at a regular cadence, and reports the first keyframe', () => {
    // Frozen from 5.0 to 5.8, then damaged pictures (P-frames on a lost reference) until the keyframe at 6.2.
    const frames = [...cadence(0, 5), ...cadence(5.8, 6.2, { damaged: true }), ...cadence(6.2, 9, { keyframeEvery: 60 })];
    const recovery = recoveryAfter(frames, 5.5);
    expect(recovery?.atS).toBeCloseTo(6.2, 6);
    expect(recovery?.afterMs).toBeCloseTo(700, 6);
    expect(recovery?.firstKeyframeAfterMs).toBeCloseTo(700, 6);
    // A stream that never faltered is back at its next picture.
    expect(recoveryAfter(cadence(0, 3), 1.01)?.afterMs).toBeLessThan(FRAME_S * 1000);
    expect(recoveryAfter(cadence(0, 3), 1.01)?.firstKeyframeAfterMs).toBeUndefined();
    // A cadence too slow for maxGapMs is never regular; a recording that ends too soon proves nothing.
    expect(recoveryAfter(cadence(0, 3).filter((_, i) => i % 4 === 0), 1, { maxGapMs: 100 })).toBeUndefined();
    expect(recoveryAfter(cadence(0, 3), 2.7, { holdMs: 500 })).toBeUndefined();
  });

  test('the clock maps the wall clock to stream time by the pictures\' time codes', () => {
    const frames = cadence(10, 20).map((frame, i) => ({ ...frame, drawnAtMs: frame.drawnAtMs! + 5_000 + (i % 3) * 4 }));
    const clock = streamClock(frames);
    expect(clock.offsetMs).toBeCloseTo(T0 + 5_004, 6);
    expect(clock.spreadMs).toBeCloseTo(4, 6);
    expect(clock.toStreamS(T0 + 5_004 + 12_500)).toBeCloseTo(12.5, 6);
    expect(() => streamClock(cadence(0, 10, { damaged: true }))).toThrow(/readable time code/);
  });

  test('A/V sync pairs each flash with its beep', () => {
    const frames = cadence(0, 5).map((frame) => ({ ...frame, luma: (frame.pts + 1e-9) % 1 < 0.1 && frame.pts > 0.5 ? 220 : 30 }));
    const levels: Array<[number, number]> = [];
    for (let t = 0; t < 5; t += 0.005) levels.push([t, (t - 0.04 + 1e-9) % 1 < 0.1 && t > 0.5 ? -10 : -60]);
    const samples = avSyncSamples(recording(frames, levels));
    expect(samples.map((sample) => Math.round(sample.atS * 1000))).toEqual([1000, 2000, 3000, 4000]);
    for (const sample of samples) expect(sample.offsetMs).toBeCloseTo(40, 0);
  });

  test('a picture whose time code disagrees with the clock by a frame is damaged: a stale picture shown again', () => {
    const frames = cadence(0, 4);
    const stale = frames.map((frame, i) => (i >= 60 && i < 66 ? { ...frame, drawnAtMs: frames[59]!.drawnAtMs } : frame));
    const clock = streamClock(stale);
    expect(stale.filter((frame) => !isIntact(frame, clock)).map((frame) => stale.indexOf(frame))).toEqual([60, 61, 62, 63, 64, 65]);
    expect(qualityReport(recording(stale)).damagedFrames).toBe(6);
    expect(recoveryAfter(stale, 1.9, { intact: (frame) => isIntact(frame, clock) })?.atS).toBeCloseTo(frames[66]!.pts, 6);
  });

  test('the report judges freezes outside the burst and recovery after it', () => {
    // A 300 ms freeze at 3 s; the burst, on the wall clock, covers 4.5 s to 5.5 s of stream time: the stream froze at 5.2 s and came back 1 s after its end.
    const frames = [...cadence(0, 3), ...cadence(3.3, 5.2), ...cadence(6.5, 10)];
    const report = qualityReport(recording(frames, [], ['[h264] [error] x']), { burst: { startedAtMs: T0 + 4_500, endsAtMs: T0 + 5_500 } });
    expect(report.burst?.window.fromS).toBeCloseTo(4.5 - BURST_LEAD_S, 6);
    expect(report.burst?.window.toS).toBeCloseTo(5.5, 6);
    expect(report.burst?.recovery?.afterMs).toBeCloseTo(1000, 6);
    expect(report.longestFreezeMs).toBeCloseTo(300 + FRAME_S * 1000, 6);
    expect(report.longestFreeze.fromS).toBeCloseTo(3 - FRAME_S, 6);
    expect(report).toMatchObject({ frames: frames.length, damagedFrames: 0, decodeErrors: 1, avSyncMedianMs: undefined });
    expect(report.frameIntervalMs).toBeCloseTo(FRAME_S * 1000, 6);
    expect(formatQualityReport('burst', report)).toMatch(/^burst: \d+ pictures \(0 damaged, every 33 ms\), longest freeze \d+ ms, recovered 1000 ms after the burst/);
  });
});
