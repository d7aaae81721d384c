import { open, rm, type FileHandle } from 'node:fs/promises';
import { box, fullBox, mdatHeader, uint32 } from './box';
import { readFragmentedMp4, type FragmentedMp4, type RandomAccessFile } from './fmp4-reader';
import type { TrackRun } from './moof-parser';
import { ftyp, mvhd, trak, versionFor } from './movie-boxes';
import { Mp4FormatError } from './mp4-format-error';
import { MOVIE_TIMESCALE, type Mp4Track } from './mp4-track';
import { sampleTables, type ChunkColumns, type SampleColumns } from './sample-tables';

/** A byte range of the fragmented file. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** A regular (fast start) MP4 made of a fragmented one: `head`, then the `copies` of the fragmented file, in order. */
export interface DefragmentedMp4 {
  /** ftyp, moov, and the header of the mdat the copies fill. */
  readonly head: Buffer;
  /** Ranges of the fragmented file making up the mdat payload: one chunk per fragment per track. */
  readonly copies: readonly ByteRange[];
  /** Bytes of the regular file. */
  readonly bytes: number;
  /** Movie duration, ms (the longest track, its start offset included). */
  readonly durationMs: number;
  /** Samples per track id (tracks without samples are left out of the regular file). */
  readonly samples: ReadonlyMap<number, number>;
}

/** The samples of one track gathered from all fragments, and where its chunks go. */
interface TrackLayout {
  readonly track: Mp4Track;
  readonly samples: SampleColumns;
  /** Decode time of the first sample, in the track's timescale. */
  readonly startTime: number;
  readonly sampleCounts: number[];
  /** Chunk offsets in the mdat payload (the head's length is added when the moov is made). */
  readonly payloadOffsets: number[];
}

/** Bytes of a piece copied at a time by defragmentFile. */
const COPY_PIECE_BYTES = 1024 * 1024;

/**
 * Lays out a regular MP4 with the moov in front for the samples of `file`: each fragment's run of
 * each track becomes a chunk, copied in file order, so the sample tables just list them.
 * Throws Mp4FormatError MP4_NO_SAMPLES when no track has a sample.
 */
export function defragment(file: FragmentedMp4): DefragmentedMp4 {
  const copies: ByteRange[] = [];
  const runsByTrack = new Map<number, TrackRun[]>(file.tracks.map((track) => [track.trackId, []]));
  let payloadBytes = 0;
  const payloadOffsets = new Map<TrackRun, number>();
  for (const fragment of file.fragments) {
    for (const run of fragment.runs) {
      runsByTrack.get(run.trackId)!.push(run);
      payloadOffsets.set(run, payloadBytes);
      copies.push({ offset: run.dataOffset, length: run.byteLength });
      payloadBytes += run.byteLength;
    }
  }
  const layouts = file.tracks
    .filter((track) => runsByTrack.get(track.trackId)!.length > 0)
    .map((track): TrackLayout => {
      const runs = runsByTrack.get(track.trackId)!;
      return {
        track,
        samples: concatSamples(runs.map((run) => run.samples)),
        startTime: runs[0]!.baseDecodeTime,
        sampleCounts: runs.map((run) => run.samples.sizes.length),
        payloadOffsets: runs.map((run) => payloadOffsets.get(run)!),
      };
    });
  if (layouts.length === 0) throw new Mp4FormatError('MP4_NO_SAMPLES', 'the fragmented file has no complete fragment');

  const fileType = ftyp('isom', 512, ['isom', 'iso2', 'avc1', 'mp41']);
  const mdat = mdatHeader(payloadBytes);
  // Chunk offsets depend on the head's size, which depends on whether they need co64: settle it by rebuilding until stable.
  let movie = buildMovie(layouts, 0);
  for (let headBefore = 0; ; ) {
    const headLength = fileType.length + movie.moov.length + mdat.length;
    if (headLength === headBefore) break;
    movie = buildMovie(layouts, headLength);
    headBefore = headLength;
  }
  const head = Buffer.concat([fileType, movie.moov, mdat]);
  const samples = new Map(layouts.map((layout) => [layout.track.trackId, layout.samples.sizes.length]));
  return { head, copies, bytes: head.length + payloadBytes, durationMs: movie.durationMs, samples };
}

/**
 * Makes the regular MP4 `dstPath` of the fragmented MP4 `srcPath` (a finished recording or one a
 * crash left), reading only the boxes it needs and copying the samples in 1 MiB pieces; the
 * destination is fsynced. On failure the destination is removed. The caller renames.
 */
export async function defragmentFile(srcPath: string, dstPath: string): Promise<{ durationMs: number; bytes: number }> {
  const src = await open(srcPath, 'r');
  try {
    const { size } = await src.stat();
    const reader: RandomAccessFile = { size, readAt: (offset, length) => readExactly(src, offset, length) };
    const layout = defragment(await readFragmentedMp4(reader));
    const dst = await open(dstPath, 'w');
    try {
      await dst.write(layout.head);
      const piece = Buffer.allocUnsafe(COPY_PIECE_BYTES);
      for (const copy of layout.copies) {
        for (let done = 0; done < copy.length; ) {
          const length = Math.min(piece.length, copy.length - done);
          await readInto(src, piece.subarray(0, length), copy.offset + done);
          await dst.write(piece, 0, length);
          done += length;
        }
      }
      await dst.sync();
    } catch (err) {
      await dst.close();
      await rm(dstPath, { force: true });
      throw err;
    }
    await dst.close();
    return { durationMs: layout.durationMs, bytes: layout.bytes };
  } finally {
    await src.close();
  }
}

/** The moov of the regular file whose mdat payload starts at `payloadStart`, and the movie's duration in ms. */
function buildMovie(layouts: readonly TrackLayout[], payloadStart: number): { moov: Buffer; durationMs: number } {
  let movieDuration = 0;
  const traks = layouts.map(({ track, samples, startTime, sampleCounts, payloadOffsets }) => {
    const mediaDuration = samples.durations.reduce((sum, duration) => sum + duration, 0);
    const delay = toMovieTime(startTime, track.timescale);
    const durations = { media: mediaDuration, movie: delay + toMovieTime(mediaDuration, track.timescale) };
    movieDuration = Math.max(movieDuration, durations.movie);
    const chunks: ChunkColumns = { sampleCounts, offsets: payloadOffsets.map((offset) => payloadStart + offset) };
    const stbl = sampleTables(track.sampleEntry, samples, chunks, track.handler === 'vide');
    return trak(track, durations, delay > 0 ? delayEdits(delay, durations.movie - delay) : undefined, stbl);
  });
  const nextTrackId = Math.max(...layouts.map((layout) => layout.track.trackId)) + 1;
  return { moov: box('moov', mvhd(movieDuration, nextTrackId), ...traks), durationMs: (movieDuration * 1000) / MOVIE_TIMESCALE };
}

/**
 * An edit list for a track that starts `delay` (movie timescale) after the others: an empty edit,
 * then the whole media. Without it a player would start every track at 0 and the start offset
 * recorded in the fragments' tfdt (e.g. audio beginning 40 ms after video) would be lost.
 */
function delayEdits(delay: number, mediaMovieDuration: number): Buffer {
  const wide = versionFor(Math.max(delay, mediaMovieDuration)) === 1;
  const entry = (segmentDuration: number, mediaTime: number): Buffer => {
    const out = Buffer.alloc(wide ? 20 : 12);
    if (wide) {
      out.writeBigUInt64BE(BigInt(segmentDuration), 0);
      out.writeBigInt64BE(BigInt(mediaTime), 8);
    } else {
      out.writeUInt32BE(segmentDuration, 0);
      out.writeInt32BE(mediaTime, 4);
    }
    out.writeUInt16BE(1, out.length - 4); // media_rate 1.0
    return out;
  };
  // media_time −1 marks the empty edit.
  return box('edts', fullBox('elst', wide ? 1 : 0, 0, uint32(2), entry(delay, -1), entry(mediaMovieDuration, 0)));
}

/** Ticks of `timescale` in the movie timescale, rounded. */
function toMovieTime(ticks: number, timescale: number): number {
  return Math.round((ticks * MOVIE_TIMESCALE) / timescale);
}

function concatSamples(parts: readonly SampleColumns[]): SampleColumns {
  const count = parts.reduce((sum, part) => sum + part.sizes.length, 0);
  const all: SampleColumns = { durations: new Uint32Array(count), sizes: new Uint32Array(count), flags: new Uint32Array(count), compositionOffsets: new Int32Array(count) };
  let at = 0;
  for (const part of parts) {
    all.durations.set(part.durations, at);
    all.sizes.set(part.sizes, at);
    all.flags.set(part.flags, at);
    all.compositionOffsets.set(part.compositionOffsets, at);
    at += part.sizes.length;
  }
  return all;
}

async function readExactly(file: FileHandle, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  await readInto(file, out, offset);
  return out;
}

/** Fills `target` from `offset`; a file that ends first has shrunk under us. */
async function readInto(file: FileHandle, target: Buffer, offset: number): Promise<void> {
  for (let done = 0; done < target.length; ) {
    const { bytesRead } = await file.read(target, done, target.length - done, offset + done);
    if (bytesRead === 0) throw new Mp4FormatError('MP4_TRUNCATED', `the file ends at byte ${offset + done}, before the ${target.length} bytes asked from byte ${offset}`);
    done += bytesRead;
  }
}
