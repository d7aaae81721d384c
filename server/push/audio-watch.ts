import type { Clock, TimerHandle } from '../events/clock';

/** Without an audio frame for this long, a push that should send audio says it sends none, ms. */
export const AUDIO_MISSING_AFTER_MS = 5000;
/** How often the watch looks, ms: the problem is reported at most this late. */
const CHECK_EVERY_MS = 1000;

/** Options of an AudioWatch. */
export interface AudioWatchOptions {
  readonly clock: Clock;
  /** True when the push also sends video: then the silence counts only while video keeps coming. */
  readonly withVideo: () => boolean;
  /** The sentence for a push whose audio stopped coming (asked when the silence is noticed). */
  readonly describe: (silentMs: number) => string;
  /** The problem appeared (its sentence) or went away (undefined). */
  readonly onChange: (problem: string | undefined) => void;
}

/**
 * Notices a push that reads a source with an audio track and gets no audio from it: the AAC made
 * from a WebRTC publisher's Opus stops when the codec workers fail, and the target would then get
 * a stream without sound while the push says `publishing`. Runs while the push reads a source
 * whose audio it sends; audio again clears the problem. With video, the silence counts only while
 * video comes: a source that stalls altogether, or a push paused by a slow target, is not this.
 */
export class AudioWatch {
  readonly #options: AudioWatchOptions;
  #timer: TimerHandle | undefined;
  /** Clock time of the last audio frame, or of the start of the watch. */
  #lastAudioAt = 0;
  /** Clock time of the last video frame, or of the start of the watch. */
  #lastVideoAt = 0;
  #problem: string | undefined;

  constructor(options: AudioWatchOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts watching (a new session, or a source with audio); the silence counts from now. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#lastAudioAt = this.#options.clock.now();
    this.#lastVideoAt = this.#lastAudioAt;
    this.#timer = this.#options.clock.setInterval(() => this.#check(), CHECK_EVERY_MS);
  }

  /** An audio frame came from the source. */
  audio(): void {
    this.#lastAudioAt = this.#options.clock.now();
    this.#set(undefined);
  }

  /** A video frame came from the source. */
  video(): void {
    this.#lastVideoAt = this.#options.clock.now();
  }

  /** Stops watching (the session ended, the source left or has no audio): no problem is left standing. */
  stop(): void {
    this.#options.clock.clearInterval(this.#timer);
    this.#timer = undefined;
    this.#set(undefined);
  }

  #check(): void {
    const until = this.#options.withVideo() ? this.#lastVideoAt : this.#options.clock.now();
    const silentMs = until - this.#lastAudioAt;
    if (silentMs >= AUDIO_MISSING_AFTER_MS && this.#problem === undefined) this.#set(this.#options.describe(silentMs));
  }

  #set(problem: string | undefined): void {
    if (problem === this.#problem) return;
    this.#problem = problem;
    this.#options.onChange(problem);
  }
}
