import { H264FormatError } from '../../h264/h264-format-error';
import { box, fullBox, uint32, UINT32_MAX } from './box';
import { buildFragment, type TrackFragment } from './fragment';
import { ftyp, mvhd, trak } from './movie-boxes';
import { Mp4FormatError } from './mp4-format-error';
import { AUDIO_TRACK_ID, VIDEO_TRACK_ID, type Mp4Track } from './mp4-track';
import { aacSampleEntry, avcSampleEntry, type AacSampleEntryFields, type AvcSampleEntryFields } from './sample-entries';
import { emptySampleTables } from './sample-tables';
import { TrackQueue } from './track-queue';

/** The H.264 track: its timescale and what its `avc1` sample entry describes. */
export interface Mp4VideoTrackOptions extends AvcSampleEntryFields {
  /** Units per second of the sample times the caller passes (e.g. 90000 from WebRTC, 1000 from RTMP). */
  readonly timescale: number;
}

/** The AAC track: its timescale and what its `mp4a` sample entry describes. */
export interface Mp4AudioTrackOptions extends AacSampleEntryFields {
  /** Units per second of the sample times the caller passes (e.g. 48000, or 1000 from RTMP). */
  readonly timescale: number;
}

/** The tracks of the recording: at least one. */
export interface Fmp4Tracks {
  readonly video?: Mp4VideoTrackOptions;
  readonly audio?: Mp4AudioTrackOptions;
}

export interface Mp4WriterOptions {
  /** A fragment is closed once it spans this long, ms, even without a video keyframe; default 2000. */
  readonly maxFragmentMs?: number;
}

/** One H.264 access unit. Times are integers in the video timescale, on the clock both tracks share. */
export interface Mp4VideoSample {
  /** NAL units each prefixed by a 4-byte big-endian length (AVCC). Kept, not copied, until its fragment is returned. */
  readonly data: Buffer;
  readonly pts: number;
  readonly dts: number;
  readonly keyframe: boolean;
}

/** One raw AAC frame. Its time is an integer in the audio timescale, on the clock both tracks share. */
export interface Mp4AudioSample {
  /** Kept, not copied, until its fragment is returned. */
  readonly data: Buffer;
  readonly dts: number;
}

const DEFAULT_MAX_FRAGMENT_MS = 2000;
/** Duration given to a lone video sample at the end: 1/30 s. */
const FALLBACK_VIDEO_FPS = 30;
const AAC_FRAME_SAMPLES = 1024;
const INT32_MAX = 0x7fff_ffff;

/** The clock position of the first sample written: time 0 of the file. */
interface Origin {
  readonly ticks: number;
  readonly timescale: number;
}

/**
 * Writes a fragmented MP4 (ISO/IEC 14496-12) of one H.264 and/or one AAC track while a recording
 * runs, so that a crash loses at most the open fragment: `init()` once, then the fragments the
 * add methods return, then `flush()`'s. A fragment starts at each video keyframe, or once the
 * open one spans `maxFragmentMs`. The first sample written is time 0 of the file; samples before
 * it (and video before the first keyframe) are dropped and counted. A sample is refused
 * (Mp4FormatError, H264FormatError) before it changes anything, so the writer stays usable.
 */
export class FragmentedMp4Writer {
  readonly #tracks: readonly Mp4Track[];
  readonly #video: TrackQueue | undefined;
  readonly #audio: TrackQueue | undefined;
  readonly #maxFragmentSeconds: number;
  #origin: Origin | undefined;
  #sequenceNumber = 1;
  #dropped = 0;
  #flushed = false;

  constructor(tracks: Fmp4Tracks, options: Mp4WriterOptions = {}) {
    const { video, audio } = tracks;
    if (!video && !audio) throw new TypeError('an MP4 recording needs a video or an audio track');
    const maxFragmentMs = options.maxFragmentMs ?? DEFAULT_MAX_FRAGMENT_MS;
    if (!(maxFragmentMs > 0)) throw new RangeError(`maxFragmentMs ${maxFragmentMs} is not a positive duration`);
    this.#maxFragmentSeconds = maxFragmentMs / 1000;
    const described: Mp4Track[] = [];
    if (video) {
      checkTimescale(video.timescale, 'video');
      described.push({ trackId: VIDEO_TRACK_ID, handler: 'vide', timescale: video.timescale, width: video.width, height: video.height, sampleEntry: avcSampleEntry(video) });
      this.#video = new TrackQueue(VIDEO_TRACK_ID, video.timescale, Math.max(1, Math.round(video.timescale / FALLBACK_VIDEO_FPS)), true);
    }
    if (audio) {
      checkTimescale(audio.timescale, 'audio');
      described.push({ trackId: AUDIO_TRACK_ID, handler: 'soun', timescale: audio.timescale, width: 0, height: 0, sampleEntry: aacSampleEntry(audio) });
      this.#audio = new TrackQueue(AUDIO_TRACK_ID, audio.timescale, Math.max(1, Math.round((AAC_FRAME_SAMPLES * audio.timescale) / audio.sampleRate)), false);
    }
    this.#tracks = described;
  }

  /** The initialization segment: `ftyp` and a `moov` with a trak per track (no samples) and `mvex`. */
  init(): Buffer {
    const traks = this.#tracks.map((track) => trak(track, { media: 0, movie: 0 }, undefined, emptySampleTables(track.sampleEntry)));
    const trexes = this.#tracks.map((track) => fullBox('trex', 0, 0, uint32(track.trackId, 1, 0, 0, 0))); // sample description 1, no defaults
    const nextTrackId = Math.max(...this.#tracks.map((track) => track.trackId)) + 1;
    return Buffer.concat([ftyp('iso6', 0, ['iso6', 'iso5', 'avc1', 'mp41']), box('moov', mvhd(0, nextTrackId), ...traks, box('mvex', ...trexes))]);
  }

  /** Adds one access unit; returns the fragment it closed, if any. */
  addVideo(sample: Mp4VideoSample): Buffer | undefined {
    const track = this.#video;
    if (!track) throw new TypeError('this MP4 writer has no video track');
    checkAvcc(sample.data);
    return this.#add(track, sample.data, sample.pts, sample.dts, sample.keyframe);
  }

  /** Adds one AAC frame; returns the fragment it closed, if any. */
  addAudio(sample: Mp4AudioSample): Buffer | undefined {
    const track = this.#audio;
    if (!track) throw new TypeError('this MP4 writer has no audio track');
    return this.#add(track, sample.data, sample.dts, sample.dts, true);
  }

  /** Ends the recording: closes the open fragment, held samples included; undefined if it is empty. Nothing can be added after. */
  flush(): Buffer | undefined {
    this.#flushed = true;
    this.#video?.release();
    this.#audio?.release();
    return this.#closeFragment();
  }

  /** Duration of the samples in the fragments returned so far, from time 0, ms. */
  get durationMs(): number {
    const ends = [this.#video, this.#audio].map((track) => track?.writtenEndSeconds ?? 0);
    return Math.round(Math.max(...ends) * 1000);
  }

  /** Video samples in the fragments returned so far. */
  get videoSamples(): number {
    return this.#video?.written ?? 0;
  }

  /** Audio samples in the fragments returned so far. */
  get audioSamples(): number {
    return this.#audio?.written ?? 0;
  }

  /** Samples of both tracks in the fragments returned so far. */
  get samplesWritten(): number {
    return this.videoSamples + this.audioSamples;
  }

  /** Samples dropped for preceding the file's time 0, or for being video before the first keyframe. */
  get droppedSamples(): number {
    return this.#dropped;
  }

  #add(track: TrackQueue, data: Buffer, pts: number, dts: number, sync: boolean): Buffer | undefined {
    if (this.#flushed) throw new TypeError('this MP4 writer was flushed: the recording has ended');
    const kind = track === this.#video ? 'video' : 'audio';
    if (data.length === 0) throw new Mp4FormatError('MP4_EMPTY_SAMPLE', `empty ${kind} sample`);
    if (!Number.isSafeInteger(pts) || !Number.isSafeInteger(dts)) {
      throw new Mp4FormatError('MP4_BAD_TIMESTAMP', `${kind} times pts ${pts} / dts ${dts} are not integers`);
    }
    if (pts < dts) throw new Mp4FormatError('MP4_PTS_BEFORE_DTS', `${kind} pts ${pts} precedes its dts ${dts}`);
    if (pts - dts > INT32_MAX) throw new Mp4FormatError('MP4_BAD_TIMESTAMP', `${kind} pts ${pts} is too far past its dts ${dts}`);
    const origin = this.#origin ?? { ticks: dts, timescale: track.timescale };
    const rebased = dts - originIn(origin, track.timescale);
    const last = track.lastDts;
    if (!track.started && (rebased < 0 || !sync)) {
      // Before the file's time 0, or video a decoder could not start from: not part of the recording.
      this.#dropped++;
      return undefined;
    }
    if (rebased < 0) throw new Mp4FormatError('MP4_BAD_TIMESTAMP', `${kind} dts ${dts} precedes the start of the file`);
    if (last !== undefined && rebased < last) throw new Mp4FormatError('MP4_DTS_BACKWARDS', `${kind} dts went back by ${last - rebased} ticks`);
    if (last !== undefined && rebased - last > UINT32_MAX) throw new Mp4FormatError('MP4_BAD_TIMESTAMP', `${kind} dts jumped by ${rebased - last} ticks`);

    this.#origin = origin;
    track.push({ data, dts: rebased, compositionOffset: pts - dts, sync });
    const startsFragment = track === this.#video && sync;
    return startsFragment || this.#openSpanSeconds() >= this.#maxFragmentSeconds ? this.#closeFragment() : undefined;
  }

  /** Time the ready samples of both tracks span, seconds. */
  #openSpanSeconds(): number {
    let start = Infinity;
    let end = -Infinity;
    for (const track of [this.#video, this.#audio]) {
      if (!track?.hasReady) continue;
      const span = track.readySpanSeconds;
      start = Math.min(start, span.start);
      end = Math.max(end, span.end);
    }
    return end - start;
  }

  #closeFragment(): Buffer | undefined {
    const tracks = [this.#video?.take(), this.#audio?.take()].filter((track): track is TrackFragment => track !== undefined);
    return tracks.length === 0 ? undefined : buildFragment(this.#sequenceNumber++, tracks);
  }
}

/** The origin in another timescale, rounded down so that a sample at the very same instant is not dropped. */
function originIn(origin: Origin, timescale: number): number {
  if (origin.timescale === timescale) return origin.ticks;
  // BigInt: a large clock value times a timescale may pass 2^53.
  const scaled = BigInt(origin.ticks) * BigInt(timescale);
  const divisor = BigInt(origin.timescale);
  const quotient = scaled / divisor;
  return Number(scaled % divisor < 0n ? quotient - 1n : quotient);
}

function checkTimescale(timescale: number, kind: string): void {
  if (!Number.isInteger(timescale) || timescale < 1 || timescale > UINT32_MAX) throw new RangeError(`${kind} timescale ${timescale} is not a positive 32-bit integer`);
}

/** The access unit must be a sequence of NAL units with 4-byte lengths that exactly fill it. */
function checkAvcc(data: Buffer): void {
  let at = 0;
  while (at < data.length) {
    if (at + 4 > data.length) throw new H264FormatError('AVCC_TRUNCATED', `AVCC length field at byte ${at} of a ${data.length}-byte access unit is cut off`);
    const length = data.readUInt32BE(at);
    at += 4;
    if (length > data.length - at) throw new H264FormatError('AVCC_LENGTH_OVERRUN', `AVCC NAL unit of ${length} bytes at byte ${at} overruns the ${data.length}-byte access unit`);
    at += length;
  }
}
