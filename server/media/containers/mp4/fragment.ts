import { BOX_HEADER_SIZE, mdatHeader } from './box';

/** tfhd flag: data offsets count from the start of the moof (ISO/IEC 14496-12 8.8.7.1). */
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x02_0000;
/** trun flags (ISO/IEC 14496-12 8.8.8.1). */
export const TRUN_DATA_OFFSET = 0x000001;
export const TRUN_SAMPLE_DURATION = 0x000100;
export const TRUN_SAMPLE_SIZE = 0x000200;
export const TRUN_SAMPLE_FLAGS = 0x000400;
export const TRUN_COMPOSITION_OFFSET = 0x000800;
/** sample_flags of a sync sample (sample_depends_on 2: depends on no other) and of any other (depends_on 1, non-sync). */
export const SYNC_SAMPLE_FLAGS = 0x0200_0000;
export const NON_SYNC_SAMPLE_FLAGS = 0x0101_0000;

/** One sample of a fragment, its duration known. */
export interface FragmentSample {
  readonly data: Buffer;
  readonly duration: number;
  readonly sync: boolean;
  /** pts − dts, in the track's timescale. */
  readonly compositionOffset: number;
}

/** The samples of one track in a fragment: one traf, one trun, one chunk of the mdat. */
export interface TrackFragment {
  readonly trackId: number;
  /** Decode time of the first sample (tfdt), in the track's timescale. */
  readonly baseDecodeTime: number;
  readonly samples: readonly FragmentSample[];
  /** Whether the trun carries composition offsets (video) or leaves them out (audio, always 0). */
  readonly compositionOffsets: boolean;
}

const FULL_BOX_HEADER_SIZE = BOX_HEADER_SIZE + 4;
const MFHD_SIZE = FULL_BOX_HEADER_SIZE + 4;
const TFHD_SIZE = FULL_BOX_HEADER_SIZE + 4; // track_ID only: defaults come from trex, offsets from the moof
const TFDT_SIZE = FULL_BOX_HEADER_SIZE + 8; // version 1
const TRUN_FIXED_SIZE = FULL_BOX_HEADER_SIZE + 8; // sample_count, data_offset

/**
 * One media fragment: `moof` (mfhd, then a traf per track: tfhd with default-base-is-moof, tfdt
 * version 1, trun version 1 with per-sample duration, size, flags and signed composition offsets)
 * and one `mdat` holding the tracks' chunks in the order of `tracks`.
 */
export function buildFragment(sequenceNumber: number, tracks: readonly TrackFragment[]): Buffer {
  const trafSizes = tracks.map((track) => BOX_HEADER_SIZE + TFHD_SIZE + TFDT_SIZE + trunSize(track));
  const moofSize = BOX_HEADER_SIZE + MFHD_SIZE + trafSizes.reduce((sum, size) => sum + size, 0);
  const mediaSize = tracks.reduce((sum, track) => sum + track.samples.reduce((bytes, sample) => bytes + sample.data.length, 0), 0);
  const mdat = mdatHeader(mediaSize);
  const out = Buffer.allocUnsafe(moofSize + mdat.length + mediaSize);

  let at = writeHeader(out, 0, moofSize, 'moof');
  at = writeFullHeader(out, at, MFHD_SIZE, 'mfhd', 0, 0);
  at = out.writeUInt32BE(sequenceNumber, at);
  let dataOffset = moofSize + mdat.length; // from the start of the moof
  tracks.forEach((track, i) => {
    at = writeHeader(out, at, trafSizes[i]!, 'traf');
    at = writeFullHeader(out, at, TFHD_SIZE, 'tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF);
    at = out.writeUInt32BE(track.trackId, at);
    at = writeFullHeader(out, at, TFDT_SIZE, 'tfdt', 1, 0);
    at = out.writeBigUInt64BE(BigInt(track.baseDecodeTime), at);
    at = writeFullHeader(out, at, trunSize(track), 'trun', 1, trunFlags(track));
    at = out.writeUInt32BE(track.samples.length, at);
    at = out.writeInt32BE(dataOffset, at);
    for (const sample of track.samples) {
      at = out.writeUInt32BE(sample.duration, at);
      at = out.writeUInt32BE(sample.data.length, at);
      at = out.writeUInt32BE(sample.sync ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS, at);
      if (track.compositionOffsets) at = out.writeInt32BE(sample.compositionOffset, at);
    }
    dataOffset += track.samples.reduce((bytes, sample) => bytes + sample.data.length, 0);
  });
  at += mdat.copy(out, at);
  for (const track of tracks) {
    for (const sample of track.samples) at += sample.data.copy(out, at);
  }
  return out;
}

function trunFlags(track: TrackFragment): number {
  const flags = TRUN_DATA_OFFSET | TRUN_SAMPLE_DURATION | TRUN_SAMPLE_SIZE | TRUN_SAMPLE_FLAGS;
  return track.compositionOffsets ? flags | TRUN_COMPOSITION_OFFSET : flags;
}

function trunSize(track: TrackFragment): number {
  return TRUN_FIXED_SIZE + track.samples.length * (track.compositionOffsets ? 16 : 12);
}

function writeHeader(out: Buffer, at: number, size: number, type: string): number {
  out.writeUInt32BE(size, at);
  return at + 4 + out.write(type, at + 4, 'latin1');
}

function writeFullHeader(out: Buffer, at: number, size: number, type: string, version: number, flags: number): number {
  const next = writeHeader(out, at, size, type);
  return out.writeUInt32BE(((version << 24) | flags) >>> 0, next);
}
