import { childBoxes, FieldReader, requiredChild, type BoxSpan } from './box-parser';
import { TFHD_DEFAULT_BASE_IS_MOOF, TRUN_COMPOSITION_OFFSET, TRUN_DATA_OFFSET, TRUN_SAMPLE_DURATION, TRUN_SAMPLE_FLAGS, TRUN_SAMPLE_SIZE } from './fragment';
import type { ParsedMovie, TrackExtends } from './moov-parser';
import { Mp4FormatError } from './mp4-format-error';
import type { SampleColumns } from './sample-tables';

/** tfhd flags of optional fields (ISO/IEC 14496-12 8.8.7.1). */
const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
/** trun flag of first_sample_flags. */
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;

/** The samples of one `trun`: one contiguous chunk of one track in the file. */
export interface TrackRun {
  readonly trackId: number;
  /** Decode time of the run's first sample, in the track's timescale. */
  readonly baseDecodeTime: number;
  /** Offset of the first sample's bytes in the file. */
  readonly dataOffset: number;
  /** Bytes of all the run's samples. */
  readonly byteLength: number;
  readonly samples: SampleColumns;
}

/** What a `moof` says, its data offsets made absolute. */
export interface ParsedFragment {
  readonly sequenceNumber: number;
  readonly runs: readonly TrackRun[];
}

/** Parses a `moof` (the whole box in `moof`) found at `moofOffset` in the file. Throws Mp4FormatError on what it cannot use. */
export function parseFragment(moof: Buffer, moofOffset: number, movie: ParsedMovie): ParsedFragment {
  const where = `moof at byte ${moofOffset}`;
  const children = childBoxes(moof, 8, moof.length, where);
  const mfhd = new FieldReader(moof, requiredChild(children, 'mfhd', where), `${where} mfhd`);
  mfhd.skip(4);
  const sequenceNumber = mfhd.u32();
  const runs = children.filter((child) => child.type === 'traf').flatMap((traf) => parseTrackFragment(moof, moofOffset, traf, movie, where));
  return { sequenceNumber, runs };
}

function parseTrackFragment(moof: Buffer, moofOffset: number, traf: BoxSpan, movie: ParsedMovie, moofWhere: string): TrackRun[] {
  const where = `${moofWhere} traf`;
  const children = childBoxes(moof, traf.payload, traf.end, where);
  const tfhd = new FieldReader(moof, requiredChild(children, 'tfhd', where), `${where} tfhd`);
  const tfhdFlags = tfhd.u32() & 0xff_ffff;
  const trackId = tfhd.u32();
  const trex = movie.trackExtends.get(trackId);
  if (!movie.tracks.some((track) => track.trackId === trackId) || !trex) {
    throw new Mp4FormatError('MP4_UNSUPPORTED', `${where} is for track ${trackId}, which the moov does not declare with a trex`);
  }
  let base: number;
  if (tfhdFlags & TFHD_BASE_DATA_OFFSET) base = tfhd.u64();
  else if (tfhdFlags & TFHD_DEFAULT_BASE_IS_MOOF) base = moofOffset;
  else throw new Mp4FormatError('MP4_UNSUPPORTED', `${where} has neither a base data offset nor default-base-is-moof`);
  if (tfhdFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) tfhd.skip(4);
  const defaults: TrackExtends = {
    duration: tfhdFlags & TFHD_DEFAULT_DURATION ? tfhd.u32() : trex.duration,
    size: tfhdFlags & TFHD_DEFAULT_SIZE ? tfhd.u32() : trex.size,
    flags: tfhdFlags & TFHD_DEFAULT_FLAGS ? tfhd.u32() : trex.flags,
  };

  const tfdt = new FieldReader(moof, requiredChild(children, 'tfdt', where), `${where} tfdt`);
  let decodeTime = tfdt.uVersioned(tfdt.u32() >>> 24);
  let dataOffset = base;
  const runs: TrackRun[] = [];
  for (const trun of children.filter((child) => child.type === 'trun')) {
    const run = parseTrackRun(moof, trun, { trackId, decodeTime, dataOffset, base, defaults }, `${where} trun`);
    decodeTime = run.baseDecodeTime + run.samples.durations.reduce((sum, duration) => sum + duration, 0);
    dataOffset = run.dataOffset + run.byteLength; // a trun without data_offset continues where the previous one ended
    if (run.samples.sizes.length > 0) runs.push(run);
  }
  return runs;
}

/** Where a trun's samples go when it says nothing else, and the sample values it may leave out. */
interface RunContext {
  readonly trackId: number;
  readonly decodeTime: number;
  readonly dataOffset: number;
  readonly base: number;
  readonly defaults: TrackExtends;
}

function parseTrackRun(moof: Buffer, trun: BoxSpan, context: RunContext, where: string): TrackRun {
  const fields = new FieldReader(moof, trun, where);
  const flags = fields.u32() & 0xff_ffff;
  const count = fields.u32();
  const dataOffset = flags & TRUN_DATA_OFFSET ? context.base + fields.i32() : context.dataOffset;
  if (dataOffset < 0) throw new Mp4FormatError('MP4_BAD_SAMPLE_RANGE', `${where}: data offset points before the file`);
  const firstFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? fields.u32() : undefined;
  const perSample = [TRUN_SAMPLE_DURATION, TRUN_SAMPLE_SIZE, TRUN_SAMPLE_FLAGS, TRUN_COMPOSITION_OFFSET].filter((bit) => flags & bit).length;
  fields.expectRoom(count, 4 * perSample, 'samples');

  const samples: SampleColumns = {
    durations: new Uint32Array(count),
    sizes: new Uint32Array(count),
    flags: new Uint32Array(count),
    compositionOffsets: new Int32Array(count),
  };
  let byteLength = 0;
  for (let i = 0; i < count; i++) {
    samples.durations[i] = flags & TRUN_SAMPLE_DURATION ? fields.u32() : context.defaults.duration;
    samples.sizes[i] = flags & TRUN_SAMPLE_SIZE ? fields.u32() : context.defaults.size;
    const sampleFlags = flags & TRUN_SAMPLE_FLAGS ? fields.u32() : undefined;
    samples.flags[i] = sampleFlags ?? (i === 0 && firstFlags !== undefined ? firstFlags : context.defaults.flags);
    // Signed (version 1); version 0 offsets are unsigned but read the same below 2^31.
    if (flags & TRUN_COMPOSITION_OFFSET) samples.compositionOffsets[i] = fields.i32();
    byteLength += samples.sizes[i]!;
  }
  return { trackId: context.trackId, baseDecodeTime: context.decodeTime, dataOffset, byteLength, samples };
}
