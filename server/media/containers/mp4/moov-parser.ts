import { childBoxes, FieldReader, requiredChild, type BoxSpan } from './box-parser';
import { Mp4FormatError } from './mp4-format-error';
import type { Mp4Track } from './mp4-track';

/** Sample defaults of a track for its fragments (trex, ISO/IEC 14496-12 8.8.3). */
export interface TrackExtends {
  readonly duration: number;
  readonly size: number;
  readonly flags: number;
}

/** What a fragmented file's `moov` says: its tracks and their fragment defaults by track id. */
export interface ParsedMovie {
  readonly tracks: readonly Mp4Track[];
  readonly trackExtends: ReadonlyMap<number, TrackExtends>;
}

/** Parses a `moov` box (the whole box in `moov`). Throws Mp4FormatError on what it cannot use. */
export function parseMovie(moov: Buffer): ParsedMovie {
  const children = childBoxes(moov, 8, moov.length, 'moov');
  const tracks = children.filter((child) => child.type === 'trak').map((trak) => parseTrack(moov, trak));
  if (tracks.length === 0) throw new Mp4FormatError('MP4_MISSING_BOX', 'moov has no track');
  const ids = new Set(tracks.map((track) => track.trackId));
  if (ids.size !== tracks.length) throw new Mp4FormatError('MP4_UNSUPPORTED', 'moov has two tracks with the same id');
  const trackExtends = new Map<number, TrackExtends>();
  const mvex = children.find((child) => child.type === 'mvex');
  for (const trex of mvex ? childBoxes(moov, mvex.payload, mvex.end, 'mvex').filter((child) => child.type === 'trex') : []) {
    const fields = new FieldReader(moov, trex, 'trex');
    fields.skip(4); // version, flags
    const trackId = fields.u32();
    fields.skip(4); // default_sample_description_index
    trackExtends.set(trackId, { duration: fields.u32(), size: fields.u32(), flags: fields.u32() });
  }
  return { tracks, trackExtends };
}

function parseTrack(moov: Buffer, trak: BoxSpan): Mp4Track {
  const children = childBoxes(moov, trak.payload, trak.end, 'trak');
  const { trackId, width, height } = parseTrackHeader(moov, requiredChild(children, 'tkhd', 'trak'));
  const where = `track ${trackId}`;
  const mdia = requiredChild(children, 'mdia', where);
  const mdiaChildren = childBoxes(moov, mdia.payload, mdia.end, `${where} mdia`);

  const mdhd = new FieldReader(moov, requiredChild(mdiaChildren, 'mdhd', where), `${where} mdhd`);
  const mdhdVersion = mdhd.u32() >>> 24;
  mdhd.skip(mdhdVersion === 1 ? 16 : 8); // creation_time, modification_time
  const timescale = mdhd.u32();
  if (timescale === 0) throw new Mp4FormatError('MP4_UNSUPPORTED', `${where} has timescale 0`);

  const hdlr = new FieldReader(moov, requiredChild(mdiaChildren, 'hdlr', where), `${where} hdlr`);
  hdlr.skip(8); // version, flags, pre_defined
  const handler = String.fromCharCode(hdlr.u8(), hdlr.u8(), hdlr.u8(), hdlr.u8());
  if (handler !== 'vide' && handler !== 'soun') throw new Mp4FormatError('MP4_UNSUPPORTED', `${where} is a '${handler}' track, not video or sound`);

  const minf = requiredChild(mdiaChildren, 'minf', where);
  const stbl = requiredChild(childBoxes(moov, minf.payload, minf.end, `${where} minf`), 'stbl', where);
  const stsd = requiredChild(childBoxes(moov, stbl.payload, stbl.end, `${where} stbl`), 'stsd', where);
  const stsdFields = new FieldReader(moov, stsd, `${where} stsd`);
  stsdFields.skip(4); // version, flags
  if (stsdFields.u32() !== 1) throw new Mp4FormatError('MP4_UNSUPPORTED', `${where} does not have exactly one sample entry`);
  const [entry] = childBoxes(moov, stsd.payload + 8, stsd.end, `${where} stsd`);
  if (!entry) throw new Mp4FormatError('MP4_MISSING_BOX', `${where} stsd has no sample entry`);
  return { trackId, handler, timescale, width, height, sampleEntry: Buffer.from(moov.subarray(entry.start, entry.end)) };
}

/** track_ID and the presentation size (16.16 fixed point, integer part kept) of a `tkhd`. */
function parseTrackHeader(moov: Buffer, tkhd: BoxSpan): { trackId: number; width: number; height: number } {
  const fields = new FieldReader(moov, tkhd, 'tkhd');
  const version = fields.u32() >>> 24;
  fields.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const trackId = fields.u32();
  fields.skip(4 + (version === 1 ? 8 : 4) + 8 + 8 + 36); // reserved, duration, reserved, layer..reserved, matrix
  return { trackId, width: fields.u32() >>> 16, height: fields.u32() >>> 16 };
}
