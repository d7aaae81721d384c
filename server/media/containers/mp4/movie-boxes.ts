import { box, fullBox, uint16, uint32, uint64, UINT32_MAX, UNITY_MATRIX, zeros } from './box';
import { MOVIE_TIMESCALE, type Mp4Track } from './mp4-track';

/** Packed ISO-639-2 code 'und' (undetermined) of mdhd: three 5-bit letters − 0x60. */
const LANGUAGE_UND = 0x55c4;

/** How long a track lasts: in its own timescale (mdhd) and in the movie's (tkhd). */
export interface TrackDurations {
  readonly media: number;
  readonly movie: number;
}

/** `ftyp` with its brands (four characters each). */
export function ftyp(majorBrand: string, minorVersion: number, compatibleBrands: readonly string[]): Buffer {
  return box('ftyp', Buffer.from(majorBrand, 'latin1'), uint32(minorVersion), Buffer.from(compatibleBrands.join(''), 'latin1'));
}

/** `mvhd` in MOVIE_TIMESCALE; version 1 only when the duration needs 64 bits. */
export function mvhd(duration: number, nextTrackId: number): Buffer {
  return fullBox(
    'mvhd',
    versionFor(duration),
    0,
    times(duration, MOVIE_TIMESCALE),
    uint32(0x0001_0000), // rate 1.0
    uint16(0x0100, 0), // volume 1.0, reserved
    zeros(8),
    UNITY_MATRIX,
    zeros(24), // pre_defined
    uint32(nextTrackId),
  );
}

/** `trak` of a track: tkhd, the edit list if any, mdia (mdhd, hdlr, minf with the given stbl). */
export function trak(track: Mp4Track, durations: TrackDurations, edits: Buffer | undefined, stbl: Buffer): Buffer {
  const isVideo = track.handler === 'vide';
  const tkhdVersion = versionFor(durations.movie);
  const tkhd = fullBox(
    'tkhd',
    tkhdVersion,
    0x000003, // track_enabled | track_in_movie
    tkhdVersion === 1 ? uint64(0, 0) : uint32(0, 0), // creation_time, modification_time
    uint32(track.trackId, 0), // reserved
    tkhdVersion === 1 ? uint64(durations.movie) : uint32(durations.movie),
    zeros(8),
    uint16(0, 0, isVideo ? 0 : 0x0100, 0), // layer, alternate_group, volume, reserved
    UNITY_MATRIX,
    uint32(track.width * 0x1_0000, track.height * 0x1_0000), // 16.16 fixed point
  );
  const mdhd = fullBox('mdhd', versionFor(durations.media), 0, times(durations.media, track.timescale), uint16(LANGUAGE_UND, 0));
  const name = isVideo ? 'VideoHandler' : 'SoundHandler';
  const hdlr = fullBox('hdlr', 0, 0, uint32(0), Buffer.from(track.handler, 'latin1'), zeros(12), Buffer.from(`${name}\0`, 'latin1'));
  const mediaHeader = isVideo ? fullBox('vmhd', 0, 1, zeros(8)) : fullBox('smhd', 0, 0, zeros(4));
  const dinf = box('dinf', fullBox('dref', 0, 0, uint32(1), fullBox('url ', 0, 1))); // flag 1: data in this file
  const minf = box('minf', mediaHeader, dinf, stbl);
  return box('trak', tkhd, ...(edits ? [edits] : []), box('mdia', mdhd, hdlr, minf));
}

/** Version 1 (64-bit times) only when a duration does not fit 32 bits. */
export function versionFor(duration: number): 0 | 1 {
  return duration > UINT32_MAX ? 1 : 0;
}

/** creation_time, modification_time (both 0: unknown), timescale, duration, in the width of the version. */
function times(duration: number, timescale: number): Buffer {
  return versionFor(duration) === 1 ? Buffer.concat([uint64(0, 0), uint32(timescale), uint64(duration)]) : uint32(0, 0, timescale, duration);
}
