import { box, uint32 } from '../../../../server/media/containers/mp4/box';
import { readFragmentedMp4 } from '../../../../server/media/containers/mp4/fmp4-reader';
import { FragmentedMp4Writer } from '../../../../server/media/containers/mp4/fmp4-writer';
import { Mp4FormatError } from '../../../../server/media/containers/mp4/mp4-format-error';
import { aacFrame, accessUnit, AUDIO_48K, boxesIn, childrenOf, find, memoryFile, VIDEO_90K } from './mp4-test-boxes';

const FRAME = 3000;

/** A recording of 3 fragments (video keyframes every 10 pictures, audio alongside), as chunks. */
function recording(): Buffer[] {
  const writer = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K });
  const chunks: Array<Buffer | undefined> = [writer.init()];
  let k = 0;
  for (let i = 0; i < 30; i++) {
    chunks.push(writer.addVideo({ data: accessUnit(i % 10 === 0, i, 300 + i), pts: i * FRAME + FRAME, dts: i * FRAME, keyframe: i % 10 === 0 }));
    for (; k * 1024 <= i * 1600; k++) chunks.push(writer.addAudio({ data: aacFrame(k, 50 + k), dts: k * 1024 }));
  }
  chunks.push(writer.flush());
  return chunks.filter((c): c is Buffer => c !== undefined);
}

describe('readFragmentedMp4', () => {
  const chunks = recording();
  const whole = Buffer.concat(chunks);

  test('reads the tracks and every fragment: runs, decode times, samples and where their bytes are', async () => {
    const file = await readFragmentedMp4(memoryFile(whole));
    expect(file.tornAt).toBeUndefined();
    expect(file.tracks.map((t) => [t.trackId, t.handler, t.timescale])).toEqual([[1, 'vide', 90_000], [2, 'soun', 48_000]]);
    expect(file.fragments).toHaveLength(chunks.length - 1);
    expect(file.fragments.map((f) => f.sequenceNumber)).toEqual([1, 2, 3]);
    const videoRuns = file.fragments.map((f) => f.runs.find((r) => r.trackId === 1)!);
    expect(videoRuns.map((r) => r.baseDecodeTime)).toEqual([0, 10 * FRAME, 20 * FRAME]);
    expect([...videoRuns[0]!.samples.compositionOffsets]).toEqual(Array(10).fill(FRAME));
    expect(videoRuns[0]!.samples.flags[0]).toBe(0x02000000);
    expect(videoRuns[0]!.samples.flags[1]).toBe(0x01010000);
    // Sample 3 of the second fragment is picture 13.
    const run = videoRuns[1]!;
    const offset = run.dataOffset + run.samples.sizes.subarray(0, 3).reduce((sum, size) => sum + size, 0);
    expect(whole.subarray(offset, offset + run.samples.sizes[3]!)).toEqual(accessUnit(false, 13, 313));
    const audioRun = file.fragments[0]!.runs.find((r) => r.trackId === 2)!;
    expect(whole.subarray(audioRun.dataOffset, audioRun.dataOffset + audioRun.samples.sizes[0]!)).toEqual(aacFrame(0, 50));
  });

  test('a file cut anywhere in its last fragment reads without error, the fragments before it kept', async () => {
    const lastStart = whole.length - chunks.at(-1)!.length;
    for (let cut = lastStart; cut < whole.length; cut += 37) {
      const file = await readFragmentedMp4(memoryFile(whole.subarray(0, cut)));
      expect(file.fragments.map((f) => f.sequenceNumber)).toEqual([1, 2]);
      expect(file.tornAt).toBe(cut === lastStart ? undefined : lastStart);
    }
  });

  test('a cut inside the moov or the ftyp is an error; a file of just the init segment has no fragment', async () => {
    const init = chunks[0]!;
    await expect(readFragmentedMp4(memoryFile(init.subarray(0, init.length - 10)))).rejects.toMatchObject({ code: 'MP4_TRUNCATED', message: expect.stringMatching(/inside its 'moov' box/) });
    await expect(readFragmentedMp4(memoryFile(init.subarray(0, 12)))).rejects.toMatchObject({ code: 'MP4_TRUNCATED' });
    await expect(readFragmentedMp4(memoryFile(init.subarray(0, 4)))).rejects.toThrow(Mp4FormatError);
    expect((await readFragmentedMp4(memoryFile(init))).fragments).toEqual([]);
  });

  test('unknown top-level boxes and a zero-filled tail are skipped', async () => {
    const free = box('free', Buffer.alloc(20));
    const withExtras = Buffer.concat([chunks[0]!, free, chunks[1]!, box('uuid', Buffer.alloc(16)), ...chunks.slice(2), Buffer.alloc(4096)]);
    const file = await readFragmentedMp4(memoryFile(withExtras));
    expect(file.fragments).toHaveLength(3);
    expect(file.fragments[0]!.offset).toBe(chunks[0]!.length + free.length);
  });

  /** `whole` with a 32-bit value changed at an offset relative to the box `path` of fragment `index` (0 = the init segment). */
  function corrupt(index: number, path: string, at: number, value: number): Buffer {
    const bytes = Buffer.from(whole);
    const base = chunks.slice(0, index).reduce((sum, c) => sum + c.length, 0);
    const target = find(boxesIn(chunks[index]!, base), path);
    bytes.writeUInt32BE(value, target.offset + at);
    return bytes;
  }

  test.each([
    ['a top-level size smaller than a header', () => corrupt(1, 'moof', 0, 4), 'MP4_BAD_BOX_SIZE', /less than its header/],
    ['a traf overrunning its moof', () => corrupt(1, 'moof/traf', 0, 100_000), 'MP4_BAD_BOX_SIZE', /overruns its parent/],
    ['a trun with more samples than it holds', () => corrupt(2, 'moof/traf/trun', 12, 0x1000_0000), 'MP4_BAD_BOX_SIZE', /samples of 16 bytes do not fit/],
    ['a trun data offset outside the mdat', () => corrupt(2, 'moof/traf/trun', 16, 0x7000_0000), 'MP4_BAD_SAMPLE_RANGE', /outside its mdat/],
    ['an mdat too short for its samples', () => corrupt(2, 'mdat', 0, 20), 'MP4_BAD_SAMPLE_RANGE', /outside its mdat/],
    ['a traf of an undeclared track', () => corrupt(1, 'moof/traf/tfhd', 12, 9), 'MP4_UNSUPPORTED', /track 9/],
    ['a moof claiming gigabytes', () => corrupt(1, 'moof', 0, 0xf000_0000), undefined, undefined],
    ['a moov with a box cut short', () => corrupt(0, 'moov/mvhd', 0, 7), 'MP4_BAD_BOX_SIZE', /less than its header/],
  ])('%s gives a clear error, not an out-of-range read', async (_name, make, code, message) => {
    const bytes = make();
    const reading = readFragmentedMp4(memoryFile(bytes));
    if (code === undefined) {
      // Past the end of the file: indistinguishable from a torn end, so read as one.
      expect((await reading).tornAt).toBe(chunks[0]!.length);
      return;
    }
    await expect(reading).rejects.toBeInstanceOf(Mp4FormatError);
    await expect(readFragmentedMp4(memoryFile(bytes))).rejects.toMatchObject({ code, message: expect.stringMatching(message!) });
  });

  test('a size field of 0 at the top level means up to the end of the file', async () => {
    const bytes = Buffer.concat([...chunks.slice(0, 2), box('free', uint32(1, 2, 3))]);
    bytes.writeUInt32BE(0, bytes.length - 20);
    expect((await readFragmentedMp4(memoryFile(bytes))).fragments).toHaveLength(1);
  });

  test('reads headers, the moov and the moofs only', async () => {
    const file = memoryFile(whole);
    await readFragmentedMp4(file);
    // A header read per top-level box (2 + 2 per fragment), plus the moov and each moof.
    expect(file.reads).toBe(2 + 2 * 3 + 1 + 3);
    expect(childrenOf(find(boxesIn(chunks[1]!), 'moof')).map((b) => b.type)).toEqual(['mfhd', 'traf', 'traf']);
  });
});
