import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFragmentedMp4, type FragmentedMp4 } from '../../../../server/media/containers/mp4/fmp4-reader';
import { FragmentedMp4Writer } from '../../../../server/media/containers/mp4/fmp4-writer';
import { defragment, defragmentFile, type DefragmentedMp4 } from '../../../../server/media/containers/mp4/mp4-defragmenter';
import { aacFrame, accessUnit, all, AUDIO_48K, boxesIn, childrenOf, find, memoryFile, VIDEO_90K, type TestBox } from './mp4-test-boxes';

const FRAME = 3000;
const AUDIO_DELAY = 1920; // 40 ms at 48 kHz

/** What was written, per track, in decode order. */
interface Written {
  readonly video: Array<{ data: Buffer; dts: number; cto: number; keyframe: boolean }>;
  readonly audio: Array<{ data: Buffer; dts: number }>;
}

/** A recording with B-frame-like composition offsets on some pictures and audio starting 40 ms after video. */
function recording(): { chunks: Buffer[]; written: Written } {
  const writer = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
  const written: Written = { video: [], audio: [] };
  const chunks: Array<Buffer | undefined> = [writer.init()];
  let k = 0;
  for (let i = 0; i < 45; i++) {
    const keyframe = i % 15 === 0;
    const cto = i % 3 === 1 ? 2 * FRAME : 0;
    const data = accessUnit(keyframe, i, 200 + 7 * i);
    chunks.push(writer.addVideo({ data, pts: i * FRAME + cto, dts: i * FRAME, keyframe }));
    written.video.push({ data, dts: i * FRAME, cto, keyframe });
    for (; AUDIO_DELAY + k * 1024 <= i * 1600; k++) {
      const frame = aacFrame(k, 60 + (k % 5));
      chunks.push(writer.addAudio({ data: frame, dts: AUDIO_DELAY + k * 1024 }));
      written.audio.push({ data: frame, dts: AUDIO_DELAY + k * 1024 });
    }
  }
  chunks.push(writer.flush());
  return { chunks: chunks.filter((c): c is Buffer => c !== undefined), written };
}

/** The regular file: head, then the copies out of the fragmented file. */
function assemble(layout: DefragmentedMp4, source: Buffer): Buffer {
  return Buffer.concat([layout.head, ...layout.copies.map((c) => source.subarray(c.offset, c.offset + c.length))]);
}

/** u32 fields of a full box's body after version/flags. */
const fields = (b: TestBox, width = 4): number[] =>
  Array.from({ length: (b.body.length - 4) / width }, (_, i) => (width === 8 ? Number(b.body.readBigUInt64BE(4 + 8 * i)) : b.body.readUInt32BE(4 + 4 * i)));

/** A track's samples as a player finds them through its sample tables. */
function samplesOf(trak: TestBox, file: Buffer): { data: Buffer[]; durations: number[]; ctts: number[] | undefined; stss: number[] | undefined } {
  const stbl = childrenOf(find(childrenOf(trak), 'mdia/minf/stbl'));
  const [, ...sizes] = fields(find(stbl, 'stsz')).slice(1); // sample_size, count, sizes
  const stscEntries = fields(find(stbl, 'stsc')).slice(1);
  const co = stbl.find((b) => b.type === 'stco' || b.type === 'co64')!;
  const offsets = co.type === 'co64' ? fields({ ...co, body: co.body.subarray(4) }, 8) : fields(co).slice(1);
  const data: Buffer[] = [];
  offsets.forEach((offset, chunk) => {
    let perChunk = 0;
    for (let e = 0; e < stscEntries.length; e += 3) if (stscEntries[e]! <= chunk + 1) perChunk = stscEntries[e + 1]!;
    for (let n = 0, at = offset; n < perChunk; n++) {
      const size = sizes[data.length]!;
      data.push(file.subarray(at, at + size));
      at += size;
    }
  });
  const runs = (b: TestBox, signed: boolean) => {
    const values: number[] = [];
    for (let e = 0; e < b.body.readUInt32BE(4); e++) {
      const count = b.body.readUInt32BE(8 + 8 * e);
      const value = signed ? b.body.readInt32BE(12 + 8 * e) : b.body.readUInt32BE(12 + 8 * e);
      values.push(...Array<number>(count).fill(value));
    }
    return values;
  };
  const ctts = stbl.find((b) => b.type === 'ctts');
  const stss = stbl.find((b) => b.type === 'stss');
  if (ctts) expect(ctts.body[0]).toBe(1);
  return { data, durations: runs(find(stbl, 'stts'), false), ctts: ctts && runs(ctts, true), stss: stss && fields(stss).slice(1) };
}

describe('defragment', () => {
  const { chunks, written } = recording();
  const source = Buffer.concat(chunks);

  test('head is ftyp (isom) + moov + mdat header; the copies are a chunk per fragment per track; every sample lands where the tables say', async () => {
    const layout = defragment(await readFragmentedMp4(memoryFile(source)));
    const output = assemble(layout, source);
    expect(layout.bytes).toBe(output.length);
    const top = boxesIn(output);
    expect(top.map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat']);
    expect(find(top, 'ftyp').body.toString('latin1')).toBe('isom\0\0\x02\0isomiso2avc1mp41');
    expect(layout.head.length).toBe(find(top, 'mdat').offset + 8);
    expect(layout.copies).toHaveLength(2 * 3); // 3 fragments, 2 tracks each
    expect([...layout.samples]).toEqual([[1, written.video.length], [2, written.audio.length]]);

    const [videoTrak, audioTrak] = all(childrenOf(find(top, 'moov')), 'trak');
    const video = samplesOf(videoTrak!, output);
    expect(video.data).toEqual(written.video.map((s) => s.data));
    expect(video.durations).toEqual(written.video.map(() => FRAME));
    expect(video.ctts).toEqual(written.video.map((s) => s.cto));
    expect(video.stss).toEqual([1, 16, 31]);
    const audio = samplesOf(audioTrak!, output);
    expect(audio.data).toEqual(written.audio.map((s) => s.data));
    expect(audio.durations).toEqual(written.audio.map(() => 1024));
    expect(audio.ctts).toBeUndefined(); // all offsets 0
    expect(audio.stss).toBeUndefined(); // every audio sample is a sync sample

    const stbl = childrenOf(find(childrenOf(videoTrak!), 'mdia/minf/stbl'));
    expect(stbl.map((b) => b.type)).toEqual(['stsd', 'stts', 'ctts', 'stss', 'stsz', 'stsc', 'stco']);
    expect(find(stbl, 'stsd').body.subarray(8).toString('latin1', 4, 8)).toBe('avc1');
  });

  test('durations are filled in; the track starting 40 ms late gets an empty edit of 40 ms, the other no edit list', async () => {
    const layout = defragment(await readFragmentedMp4(memoryFile(source)));
    const moov = childrenOf(find(boxesIn(layout.head.subarray(0, layout.head.length - 8)), 'moov'));
    const [videoTrak, audioTrak] = all(moov, 'trak').map((trak) => childrenOf(trak));
    const videoMs = (45 * FRAME) / 90;
    const audioMs = 40 + (written.audio.length * 1024) / 48;
    expect(find(videoTrak!, 'mdia/mdhd').body.readUInt32BE(16)).toBe(45 * FRAME);
    expect(find(videoTrak!, 'tkhd').body.readUInt32BE(20)).toBe(videoMs);
    expect(find(audioTrak!, 'mdia/mdhd').body.readUInt32BE(16)).toBe(written.audio.length * 1024);
    expect(find(audioTrak!, 'tkhd').body.readUInt32BE(20)).toBe(Math.round(audioMs));
    expect(find(moov, 'mvhd').body.readUInt32BE(16)).toBe(Math.max(videoMs, Math.round(audioMs)));
    expect(layout.durationMs).toBe(Math.max(videoMs, Math.round(audioMs)));
    expect(videoTrak!.some((b) => b.type === 'edts')).toBe(false);
    const elst = find(audioTrak!, 'edts/elst');
    expect(elst.body[0]).toBe(0);
    expect(fields(elst)).toEqual([2, 40, 0xffffffff, 0x0001_0000, Math.round(audioMs) - 40, 0, 0x0001_0000]);
  });

  test('a torn file keeps the fragments before the tear', async () => {
    const torn = source.subarray(0, source.length - Math.floor(chunks.at(-1)!.length / 3));
    const layout = defragment(await readFragmentedMp4(memoryFile(torn)));
    expect(layout.copies).toHaveLength(4);
    const output = assemble(layout, torn);
    const [videoTrak] = all(childrenOf(find(boxesIn(output), 'moov')), 'trak');
    expect(samplesOf(videoTrak!, output).data).toEqual(written.video.slice(0, 30).map((s) => s.data));
  });

  test('past 4 GiB the chunk offsets are co64 and the mdat header a largesize', async () => {
    const parsed = await readFragmentedMp4(memoryFile(source));
    // The same structure with each run claiming 1.5 GiB: only the layout is computed, nothing is read.
    const huge: FragmentedMp4 = {
      ...parsed,
      fragments: parsed.fragments.map((f) => ({ ...f, runs: f.runs.map((r) => ({ ...r, byteLength: 1.5 * 2 ** 30 })) })),
    };
    const layout = defragment(huge);
    const mdatHeader = layout.head.subarray(layout.head.length - 16);
    expect(mdatHeader.readUInt32BE(0)).toBe(1);
    expect(mdatHeader.toString('latin1', 4, 8)).toBe('mdat');
    expect(Number(mdatHeader.readBigUInt64BE(8))).toBe(16 + 6 * 1.5 * 2 ** 30);
    const moov = find(boxesIn(layout.head.subarray(0, layout.head.length - 16)), 'moov');
    const co64 = find(childrenOf(all(childrenOf(moov), 'trak')[1]!), 'mdia/minf/stbl/co64');
    const offsets = fields({ ...co64, body: co64.body.subarray(4) }, 8);
    expect(offsets).toEqual([1, 3, 5].map((n) => layout.head.length + n * 1.5 * 2 ** 30));
  });

  test('a track without samples is left out; a file without any sample is refused', async () => {
    const writer = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
    const init = writer.init();
    writer.addVideo({ data: accessUnit(true, 1), pts: 0, dts: 0, keyframe: true });
    const videoOnly = Buffer.concat([init, writer.flush()!]);
    const layout = defragment(await readFragmentedMp4(memoryFile(videoOnly)));
    expect([...layout.samples.keys()]).toEqual([1]);
    expect(all(childrenOf(find(boxesIn(assemble(layout, videoOnly)), 'moov')), 'trak')).toHaveLength(1);
    expect(() => defragment({ tracks: [], fragments: [], tornAt: undefined })).toThrow(expect.objectContaining({ code: 'MP4_NO_SAMPLES' }));
  });
});

describe('defragmentFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mp4-defragment-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes head and copies to the destination and reports its duration and size', async () => {
    const { chunks } = recording();
    const source = Buffer.concat(chunks);
    const src = path.join(dir, 'rec.mp4');
    const dst = path.join(dir, 'out.mp4');
    await writeFile(src, source);
    const result = await defragmentFile(src, dst);
    const expected = defragment(await readFragmentedMp4(memoryFile(source)));
    expect(await readFile(dst)).toEqual(assemble(expected, source));
    expect(result).toEqual({ durationMs: expected.durationMs, bytes: expected.bytes });
  });

  test('a file left with only its init segment is refused and no destination is left', async () => {
    const src = path.join(dir, 'empty.mp4');
    const dst = path.join(dir, 'empty-out.mp4');
    await writeFile(src, new FragmentedMp4Writer({ audio: AUDIO_48K }).init());
    await expect(defragmentFile(src, dst)).rejects.toMatchObject({ code: 'MP4_NO_SAMPLES' });
    expect(existsSync(dst)).toBe(false);
  });
});
