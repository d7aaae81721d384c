import { PushAudio, type PushAudioOptions } from '../audio/push-audio';
import { systemClock, type Clock } from '../events/clock';
import { dtsMs, msToUnits, type Frame } from '../hub/frame';
import type { FrameQueueLimits } from '../hub/frame-queue';
import type { ReaderTracks, StreamReader } from '../hub/reader';
import type { HubStream } from '../hub/stream';
import type { Codec } from '../hub/track';
import type { Logger } from '../log';
import type { SinkHandlers, SinkInput } from '../sinks/sink';
import type { TrackSelection } from './types';
import { AudioWatch } from './audio-watch';
import { GapFiller } from './gap-filler';
import { OutputTimeline } from './output-timeline';

/** Gap left on the output timeline when a new source takes over, ms (about one video frame). */
const SOURCE_SWITCH_GAP_MS = 33;

/** Options of a PushFeed. */
export interface PushFeedOptions {
  /** Which tracks are sent: H.264 video, AAC audio (made from Opus when the source has that). */
  readonly tracks: TrackSelection;
  /** Bounds of the push's reader queue. */
  readonly readerLimits: FrameQueueLimits;
  readonly audio: PushAudioOptions;
  /** The reader or the sink threw: the current session cannot go on. */
  readonly onFailure: (error: Error) => void;
  /** The source's audio stopped coming while the push sends it (a sentence saying why), or came back (undefined). */
  readonly onAudioProblem: (problem: string | undefined) => void;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** What a push's reader queue holds now. */
export interface FeedQueue {
  readonly frames: number;
  readonly bytes: number;
}

/**
 * What a push sends, across its sink sessions and its sources: it reads the source stream (a new
 * reader per session, starting on the cached keyframe), places frames on the push's own output
 * timeline, routes audio through mute and sound mixing, and while the publisher is away (grace)
 * keeps the session fed with the last picture and silence. It hands each session's sink a
 * {@link SinkInput}; the push task decides when sessions start and end.
 */
export class PushFeed {
  readonly audio: PushAudio;
  readonly #options: PushFeedOptions;
  readonly #timeline = new OutputTimeline();
  readonly #filler: GapFiller;
  /** What the reader asks the stream for. */
  readonly #codecs: Codec[];
  #stream: HubStream | undefined;
  /** The source is away but may come back: a running session is kept fed by the filler. */
  #holding = false;
  #reader: StreamReader | undefined;
  #handlers: SinkHandlers | undefined;
  #paused = false;
  /** Increments with every new input, so an old session's sink cannot start the feed. */
  #session = 0;
  #tracks: ReaderTracks = { video: undefined, audio: undefined };
  /** Output time of the first frame sent from the current source, ms. */
  #sourceStartMs = 0;
  /** The frames being collected for the sink while a batch is processed. */
  #batch: Frame[] | undefined;
  /** Frames dropped by readers that have ended. */
  #pastDrops = 0;
  readonly #audioWatch: AudioWatch;
  /** Codec worker restarts counted when the audio watch started, to tell failing workers from a silent publisher. */
  #codecRestartsAtWatch = 0;

  constructor(options: PushFeedOptions) {
    this.#options = options;
    this.#codecs = [...(options.tracks.video ? ['h264' as const] : []), ...(options.tracks.audio ? ['aac' as const] : [])];
    this.audio = new PushAudio(options.audio, (frame) => this.#onAudioOut(frame), options.logger);
    this.#filler = new GapFiller({
      timeline: this.#timeline,
      writePicture: (ms, picture) => this.#deliver([onTimeline({ ...picture, receivedAt: undefined }, ms)]),
      writeSilence: (ms) => {
        const track = this.#tracks.audio;
        return track ? this.audio.writeSilence(msToUnits(ms, track.timescale), Date.now()) : 0;
      },
    }, options.clock ?? systemClock);
    this.#audioWatch = new AudioWatch({
      clock: options.clock ?? systemClock,
      withVideo: () => this.#tracks.video !== undefined,
      describe: (silentMs) => this.#missingAudio(silentMs),
      onChange: options.onAudioProblem,
    });
  }

  /** The tracks sent: the current reader's, or the last known while the source is away. */
  get tracks(): ReaderTracks {
    return this.#tracks;
  }

  /** Latest time sent on the output timeline, ms (0 before the first frame). */
  get sentMs(): number {
    return Math.max(0, this.#timeline.last);
  }

  /** Frames dropped because the push was too slow, all sessions together. */
  get droppedFrames(): number {
    return this.#pastDrops + (this.#reader?.stats.droppedFrames ?? 0);
  }

  /** What waits in the reader's queue now. */
  get queue(): FeedQueue {
    const stats = this.#reader?.stats;
    return { frames: stats?.queuedFrames ?? 0, bytes: stats?.queuedBytes ?? 0 };
  }

  /**
   * True when a session has something to send: the source with its video parameters known (or
   * without video), or, while the source is away and held, the last picture.
   */
  get ready(): boolean {
    const stream = this.#stream;
    if (stream) return !this.#options.tracks.video || stream.video === undefined || stream.video.params !== undefined;
    if (!this.#holding) return false;
    return this.#tracks.video ? this.#filler.picture !== undefined : this.#tracks.audio !== undefined;
  }

  /** Reads `stream` from now on (a running session switches to it without a new connection). */
  attach(stream: HubStream): void {
    this.#dropSource();
    this.#stream = stream;
    this.#holding = false;
    this.#filler.stop();
    if (this.#handlers) this.#startReading();
  }

  /** The source went away but may come back: a running session gets the last picture and silence meanwhile. */
  hold(): void {
    this.#dropSource();
    this.#holding = true;
    if (this.#handlers) this.#filler.start();
  }

  /** The source went away for good. */
  release(): void {
    this.#dropSource();
    this.#holding = false;
    this.#filler.stop();
  }

  /** The input of a new sink session; `onStart` runs when the sink starts it (it is connected). */
  input(onStart: () => void): SinkInput {
    this.endSession();
    const session = ++this.#session;
    const current = (): boolean => session === this.#session;
    const tracks = (): ReaderTracks => this.#tracks;
    return {
      get tracks() {
        return tracks();
      },
      start: (handlers) => {
        if (!current() || this.#handlers) return;
        this.#handlers = handlers;
        this.#paused = false;
        onStart();
        if (this.#stream) this.#startReading();
        else if (this.#holding) this.#filler.start();
      },
      pause: () => {
        if (!current()) return;
        this.#paused = true;
        this.#reader?.pause();
      },
      resume: () => {
        if (!current()) return;
        this.#paused = false;
        this.#reader?.resume();
      },
    };
  }

  /** The current session is over: nothing more goes to its sink. */
  endSession(): void {
    this.#session++;
    this.#handlers = undefined;
    this.#closeReader();
    this.#filler.stop();
  }

  /** Ends everything (the push is over). */
  close(): void {
    this.endSession();
    this.#stream = undefined;
    this.#holding = false;
    this.audio.close();
  }

  #startReading(): void {
    const stream = this.#stream!;
    // A new session on the same source keeps the timeline's mapping; a new source remaps it (#dropSource).
    this.#closeReader();
    const reader = stream.addReader({ label: 'push', codecs: this.#codecs, limits: this.#options.readerLimits });
    this.#reader = reader;
    this.#setTracks(reader.tracks);
    reader.on('tracks', (tracks) => this.#setTracks(tracks));
    reader.on('close', (end) => {
      if (end.code === 'failed') this.#options.onFailure(end.error);
    });
    if (this.#paused) reader.pause();
    // The reader starts with the cached GOP; the keyframe asked for here keeps the next GOP short.
    stream.requestKeyframe('push started');
    reader.start((frames) => this.#onFrames(frames));
  }

  #setTracks(tracks: ReaderTracks): void {
    this.#tracks = tracks;
    this.audio.setTrack(tracks.audio);
    this.#handlers?.tracks(tracks);
    this.#watchAudio();
  }

  /** The audio watch runs while a session reads a source whose audio it sends. */
  #watchAudio(): void {
    const watched = this.#reader !== undefined && this.#handlers !== undefined && this.#tracks.audio !== undefined;
    if (!watched) return this.#audioWatch.stop();
    if (this.#audioWatch.running) return;
    this.#codecRestartsAtWatch = this.#options.audio.pool.stats().restarts;
    this.#audioWatch.start();
  }

  /** Why no audio came for `silentMs`, as lastError says it. */
  #missingAudio(silentMs: number): string {
    const seconds = Math.round(silentMs / 1000);
    if (this.#tracks.audio?.derivedFrom === undefined) return `no audio for ${seconds} s: the source sends none; the target gets no sound`;
    const { workers, restarts } = this.#options.audio.pool.stats();
    if (workers.length === 0 || restarts > this.#codecRestartsAtWatch) {
      return `no audio for ${seconds} s: the codec workers that make AAC from the publisher's Opus keep failing (${workers.length} running, ${restarts - this.#codecRestartsAtWatch} restarts meanwhile); the target gets no sound`;
    }
    return `no audio for ${seconds} s: no AAC comes from the publisher's Opus (the publisher sends no audio, or its transcoder fails: see the log); the target gets no sound`;
  }

  /** Source frames: onto the output timeline, audio through PushAudio, then to the sink as one batch. */
  #onFrames(frames: readonly Frame[]): void {
    const out: Frame[] = [];
    this.#batch = out;
    try {
      for (const frame of frames) {
        const sourceMs = dtsMs(frame);
        if (!this.#timeline.mapped) {
          // The reader starts on a keyframe (or, without video, anywhere): the output starts here.
          this.#timeline.start(sourceMs, SOURCE_SWITCH_GAP_MS);
          this.#sourceStartMs = this.#timeline.map(sourceMs);
        }
        const outMs = this.#timeline.map(sourceMs);
        const mapped = onTimeline(frame, outMs);
        if (frame.track.kind === 'video') {
          this.#audioWatch.video();
          this.#filler.rememberPicture(mapped);
          out.push(mapped);
        } else {
          this.#audioWatch.audio();
          if (outMs >= this.#sourceStartMs) this.audio.push(mapped);
        }
      }
    } finally {
      this.#batch = undefined;
    }
    if (out.length > 0) this.#handlers?.frames(out);
  }

  #onAudioOut(frame: Frame): void {
    if (this.#batch) this.#batch.push(frame);
    else this.#deliver([frame]);
  }

  /** Frames made outside a reader batch (mixer, filler): a sink that throws ends the session. */
  #deliver(frames: Frame[]): void {
    try {
      this.#handlers?.frames(frames);
    } catch (err) {
      this.#options.onFailure(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #dropSource(): void {
    this.#closeReader();
    this.#stream = undefined;
    this.#timeline.detach();
  }

  #closeReader(): void {
    const reader = this.#reader;
    if (!reader) return;
    this.#reader = undefined;
    this.#audioWatch.stop();
    this.#pastDrops += reader.stats.droppedFrames;
    reader.close();
  }
}

/** `frame` moved to output time `outMs` (its decode time), pts keeping its distance from dts. */
function onTimeline(frame: Frame, outMs: number): Frame {
  const dts = msToUnits(outMs, frame.track.timescale);
  return { ...frame, dts, pts: dts + (frame.pts - frame.dts) };
}
