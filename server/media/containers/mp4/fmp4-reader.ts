import { LARGE_BOX_HEADER_SIZE } from './box';
import { parseBoxHeader } from './box-parser';
import { parseFragment, type TrackRun } from './moof-parser';
import { parseMovie } from './moov-parser';
import { Mp4FormatError } from './mp4-format-error';
import type { Mp4Track } from './mp4-track';

/** A file read piece by piece: `readAt` returns exactly `length` bytes from `offset`, within `size`. */
export interface RandomAccessFile {
  readonly size: number;
  readAt(offset: number, length: number): Promise<Buffer>;
}

/** One complete fragment: its moof's offset and its runs, the samples of each in the following mdat. */
export interface Mp4Fragment {
  readonly offset: number;
  readonly sequenceNumber: number;
  readonly runs: readonly TrackRun[];
}

/** What a fragmented MP4 holds, as far as it is complete. */
export interface FragmentedMp4 {
  readonly tracks: readonly Mp4Track[];
  readonly fragments: readonly Mp4Fragment[];
  /** Offset of the first byte ignored as a torn last fragment (a crash cut it), or undefined when the file ends cleanly. */
  readonly tornAt: number | undefined;
}

/** Largest moov and moof read: far more than the writer makes; a larger size is taken as corruption, not allocated. */
const MAX_HEADER_BOX_BYTES = 64 * 1024 * 1024;

/**
 * Reads the structure of a fragmented MP4 as FragmentedMp4Writer writes it (ftyp, moov, then moof
 * + mdat pairs), reading only headers, moov and moofs. A torn end — a box cut off by the end of
 * the file, or a moof without its mdat — is ignored, as are unknown top-level boxes. Throws
 * Mp4FormatError for what cannot be a file of ours: bad sizes, missing boxes, samples outside
 * their mdat.
 */
export async function readFragmentedMp4(file: RandomAccessFile): Promise<FragmentedMp4> {
  let movie: ReturnType<typeof parseMovie> | undefined;
  let hasFtyp = false;
  const fragments: Mp4Fragment[] = [];
  /** A moof waiting for the mdat that follows it. */
  let pending: Mp4Fragment | undefined;
  let tornAt: number | undefined;

  for (let at = 0; at < file.size; ) {
    const header = parseBoxHeader(await file.readAt(at, Math.min(LARGE_BOX_HEADER_SIZE, file.size - at)), 0, `top-level box at byte ${at}`);
    const size = header?.size === 0 ? file.size - at : header?.size;
    if (header === undefined || size === undefined || size > file.size - at) {
      if (!movie) throw new Mp4FormatError('MP4_TRUNCATED', `the file ends inside its ${header ? `'${header.type}' box` : 'header'}, at byte ${file.size}`);
      tornAt = at;
      break;
    }
    const where = `'${header.type}' box at byte ${at}`;
    switch (header.type) {
      case 'ftyp':
        hasFtyp = true;
        break;
      case 'moov':
        movie = parseMovie(await file.readAt(at, checkedSize(size, where)));
        break;
      case 'moof': {
        if (!movie) throw new Mp4FormatError('MP4_MISSING_BOX', `${where} comes before the moov`);
        if (pending) throw new Mp4FormatError('MP4_MISSING_BOX', `the moof at byte ${pending.offset} has no mdat`);
        pending = { offset: at, ...parseFragment(await file.readAt(at, checkedSize(size, where)), at, movie) };
        break;
      }
      case 'mdat':
        if (pending) {
          checkRunsInside(pending, at + header.headerSize, at + size);
          fragments.push(pending);
          pending = undefined;
        }
        break;
      default:
        break; // an unknown box (free, skip, or a zero-filled tail after a crash) is skipped
    }
    at += size;
  }
  if (!hasFtyp || !movie) throw new Mp4FormatError('MP4_MISSING_BOX', `the file has no complete ${hasFtyp ? 'moov' : 'ftyp'}`);
  // A moof the file ends after: its mdat was never written.
  if (pending) tornAt = pending.offset;
  return { tracks: movie.tracks, fragments, tornAt };
}

function checkedSize(size: number, where: string): number {
  if (size > MAX_HEADER_BOX_BYTES) throw new Mp4FormatError('MP4_BAD_BOX_SIZE', `${where} claims ${size} bytes, more than ${MAX_HEADER_BOX_BYTES}`);
  return size;
}

/** Every run's bytes must lie in the payload of the mdat after its moof (the writer puts them there). */
function checkRunsInside(fragment: Mp4Fragment, payloadStart: number, end: number): void {
  for (const run of fragment.runs) {
    if (run.dataOffset < payloadStart || run.dataOffset + run.byteLength > end) {
      throw new Mp4FormatError('MP4_BAD_SAMPLE_RANGE', `track ${run.trackId}'s samples at bytes ${run.dataOffset}..${run.dataOffset + run.byteLength} of the moof at byte ${fragment.offset} lie outside its mdat (${payloadStart}..${end})`);
    }
  }
}
