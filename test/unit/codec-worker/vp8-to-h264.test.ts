import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CodecOutput } from '../../../server/codec/protocol';
import { isIdr, splitAvcc } from '../../../server/media/h264/nal';
import { probeStreams } from '../../support/media-probe';
import { runOrThrow } from '../../support/processes';
import { type IvfFrame, readIvf } from '../media/support/ivf-reader';
import { WorkerHarness } from './support/worker-harness';

const FFMPEG_TIMEOUT_MS = 30_000;
const FPS = 30;
const KEYFRAME_INTERVAL_MS = 1000;
const START_CODE = Buffer.from([0, 0, 0, 1]);

/** Real libvpx frames of a moving test picture, with a keyframe only at the start. */
async function vp8Frames(dir: string, width: number, height: number, seconds: number): Promise<IvfFrame[]> {
  const file = path.join(dir, `${width}x${height}.ivf`);
  await runOrThrow('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${FPS}`, '-t', String(seconds)],
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '1000', '-b:v', '500k', file],
  ], { timeoutMs: FFMPEG_TIMEOUT_MS });
  return readIvf(await readFile(file)).frames;
}

/** The outputs as an Annex B stream, SPS and PPS in front of every keyframe. */
function annexB(outputs: readonly CodecOutput[], sps: Uint8Array, pps: Uint8Array): Buffer {
  return Buffer.concat(outputs.flatMap((o) => [
    ...(o.keyframe ? [START_CODE, Buffer.from(sps), START_CODE, Buffer.from(pps)] : []),
    ...splitAvcc(Buffer.from(o.data)).flatMap((nal) => [START_CODE, nal]),
  ]));
}

describe('codec worker: vp8-to-h264', () => {
  let dir: string;
  let harness: WorkerHarness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cw-vp8-'));
    harness = await WorkerHarness.start();
  });

  afterAll(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('VP8 in, Main-profile H.264 out at the job size, one access unit per frame with its pts, keyframes within the interval, across a resolution change; an interframe first is refused', async () => {
    const session = 1;
    const first = await vp8Frames(dir, 320, 240, 3);
    const second = await vp8Frames(dir, 160, 120, 1);
    const frames = [...first, ...second];
    const ptsOf = (i: number): number => 10_000 + (i * 1000) / FPS;
    harness.worker.open(session, { kind: 'vp8-to-h264', width: 320, height: 240, bitrateKbps: 500, preset: 'veryfast', keyframeIntervalMs: KEYFRAME_INTERVAL_MS });
    harness.worker.input({ session, pts: 0, data: frames[1]!.data });
    frames.forEach((frame, i) => harness.worker.input({ session, pts: ptsOf(i), data: frame.data }));
    await harness.settle();

    expect(harness.failed(session)).toEqual([]);
    expect(harness.refused(session)).toEqual([expect.stringContaining('before the first keyframe')]);
    // One SPS/PPS for the whole stream: the 160x120 part is scaled to the job's size.
    const parameters = harness.parameters(session);
    expect(parameters).toHaveLength(1);
    const outputs = harness.outputs(session);
    expect(outputs.map((o) => o.pts)).toEqual(frames.map((_, i) => ptsOf(i)));
    expect(outputs.every((o) => o.dts === o.pts)).toBe(true);
    expect(outputs[0]!.keyframe).toBe(true);
    const keyframes = outputs.filter((o) => o.keyframe);
    keyframes.forEach((o) => expect(isIdr(splitAvcc(Buffer.from(o.data)))).toBe(true));
    for (let i = 1; i < keyframes.length; i++) expect(keyframes[i]!.pts - keyframes[i - 1]!.pts).toBeLessThanOrEqual(KEYFRAME_INTERVAL_MS);
    expect(outputs.at(-1)!.pts - keyframes.at(-1)!.pts).toBeLessThanOrEqual(KEYFRAME_INTERVAL_MS);
    // No parameter sets inside the access units.
    for (const o of outputs) expect(splitAvcc(Buffer.from(o.data)).map((nal) => nal[0]! & 0x1f)).not.toContain(7);

    const file = path.join(dir, 'out.h264');
    await writeFile(file, annexB(outputs, parameters[0]!.sps, parameters[0]!.pps));
    expect(await probeStreams(file)).toMatchObject({ video: { codec: 'h264', profile: 'Main', width: 320, height: 240, pixFmt: 'yuv420p' } });
    const { stdout } = await runOrThrow('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { timeoutMs: FFMPEG_TIMEOUT_MS });
    expect(Number(stdout.toString().trim())).toBe(frames.length);
  });

  test('a corrupt header, an empty frame and a keyframe beyond 4096x4096 are refused before the decoder; the session goes on', async () => {
    const session = 2;
    const frames = await vp8Frames(dir, 64, 48, 0.2);
    const huge = Buffer.from(frames[0]!.data);
    huge.writeUInt16LE(5000, 6);
    const badStartCode = Buffer.from(frames[0]!.data);
    badStartCode[3] = 0;
    harness.worker.open(session, { kind: 'vp8-to-h264', width: 64, height: 48, bitrateKbps: 200, preset: 'ultrafast', keyframeIntervalMs: KEYFRAME_INTERVAL_MS });
    for (const data of [huge, badStartCode, Buffer.alloc(0)]) harness.worker.input({ session, pts: 0, data });
    frames.forEach((frame, i) => harness.worker.input({ session, pts: i * 33, data: frame.data }));
    await harness.settle();
    expect(harness.refused(session)).toHaveLength(3);
    expect(harness.failed(session)).toEqual([]);
    expect(harness.outputs(session)).toHaveLength(frames.length);
  });
});
