/** handler_type of the tracks this module writes and reads. */
export type Mp4Handler = 'vide' | 'soun';

/** What the moov says about one track, whatever its samples. */
export interface Mp4Track {
  readonly trackId: number;
  readonly handler: Mp4Handler;
  /** mdhd timescale: units per second of the track's sample times. */
  readonly timescale: number;
  /** Presentation size in pixels (tkhd); 0 for audio. */
  readonly width: number;
  readonly height: number;
  /** The whole sample entry box (`avc1`, `mp4a`) the track's stsd holds. */
  readonly sampleEntry: Buffer;
}

/** Track ids the writer gives: video first. */
export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;

/** mvhd timescale of every file written here: milliseconds (mvhd, tkhd and edit list durations use it). */
export const MOVIE_TIMESCALE = 1000;
