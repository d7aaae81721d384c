import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../../server/log';
import { RecordSink } from '../../../../server/sinks/record/record-sink';
import { RecordingLedger, type RecordedFile } from '../../../../server/sinks/record/recording-ledger';
import { RecordingTally } from '../../../../server/sinks/record/recording-summary';
import { STOP_GRACEFULLY } from '../../../../server/sinks/sink';
import { ManualSinkInput } from '../../../support/manual-sink-input';
import { frameOf, h264Params, track } from '../../../support/media-frames';
import { PPS, SPS, accessUnit } from '../../media/mp4/mp4-test-boxes';

/** 25 fps at 90 kHz, a keyframe every 10 pictures. */
const FRAME_TICKS = 3600;

describe("a recording's 'recording ended' line", () => {
  let dir: string;
  let lines: Array<Record<string, unknown>>;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recording-summary-'));
    lines = [];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function sink(minFreeBytes = 0): RecordSink {
    const ledger = new RecordingLedger({ fileTemplate: 'rec-{index}', rotation: { kind: 'duration', ms: 1000 } }, '1s');
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }, 'json');
    return new RecordSink({ recordDir: dir, ledger, streamName: 'cam', mediaSessionId: 'rec-1', minFreeBytes, maxFragmentMs: 2000, logger: logger.child({ streamName: 'cam', mediaSessionId: 'rec-1' }) });
  }

  test('once per session: its files, media time, bytes and average rate', async () => {
    const video = track('video', 'h264', 90_000, h264Params(320, 240, SPS, PPS));
    const recording = sink();
    const input = new ManualSinkInput({ video, audio: undefined });
    const abort = new AbortController();
    const running = recording.run(input, abort.signal);
    await input.started;
    for (let v = 0; v < 60; v++) input.frames(frameOf(video, v * FRAME_TICKS, { keyframe: v % 10 === 0, data: accessUnit(v % 10 === 0, v, 2000) }));
    abort.abort(STOP_GRACEFULLY);
    await running;

    const ended = lines.filter((line) => line.msg === 'recording ended');
    expect(ended).toHaveLength(1);
    const summary = ended[0]!;
    // 2.4 s cut at the first keyframes past each second: 1.2 + 1.2 s.
    expect(summary).toMatchObject({ level: 30, streamName: 'cam', mediaSessionId: 'rec-1', files: 2, fileNames: ['rec-1.mp4', 'rec-2.mp4'] });
    const sizes = await Promise.all(['rec-1.mp4', 'rec-2.mp4'].map(async (name) => (await stat(path.join(dir, name))).size));
    expect(summary.bytes).toBe(sizes[0]! + sizes[1]!);
    expect(summary.durationMs).toBeGreaterThanOrEqual(2300);
    expect(summary.averageKbps).toBe(Math.round(((summary.bytes as number) * 8) / (summary.durationMs as number)));
    expect(summary).not.toHaveProperty('lastError');
    // It comes after the lines of the files it counts.
    expect(lines.findIndex((line) => line.msg === 'recording ended')).toBe(lines.length - 1);
  });

  test('a session that fails says why, even before any file', async () => {
    const recording = sink(Number.MAX_SAFE_INTEGER);
    const input = new ManualSinkInput({ video: undefined, audio: undefined });
    await expect(recording.run(input, new AbortController().signal)).rejects.toThrow();
    const ended = lines.filter((line) => line.msg === 'recording ended');
    expect(ended).toEqual([expect.objectContaining({ files: 0, fileNames: [], bytes: 0, durationMs: 0, averageKbps: 0, lastError: expect.stringMatching(/free/i) })]);
  });

  test('a long recording names its first and last files only', () => {
    const tally = new RecordingTally();
    const file = (index: number): RecordedFile => ({ fileName: `rec-${index}.mp4`, bytes: 1000, durationMs: 500, startTime: 0, endTime: 500, index, finalized: true, finalizeMs: 1 });
    for (let index = 1; index <= 12; index++) tally.add(file(index));
    expect(tally.summary(new Error('disk full'))).toEqual({ files: 12, fileNames: ['rec-1.mp4', '...', 'rec-12.mp4'], durationMs: 6000, bytes: 12_000, averageKbps: 16, lastError: 'disk full' });
  });
});
