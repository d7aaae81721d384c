import { systemClock, type Clock, type TimerHandle } from '../events/clock';
import type { Frame } from '../hub/frame';
import type { OutputTimeline } from './output-timeline';

/** How often the filler writes, ms. */
const TICK_MS = 100;
/** The held picture is sent again this often, ms (players need a keyframe to show it). */
const PICTURE_REPEAT_MS = 1000;

/** Where the filler writes, at output times in ms. */
export interface GapFillerOutputs {
  timeline: OutputTimeline;
  /** Writes the held keyframe again at `ms`. */
  writePicture: (ms: number, picture: Frame) => void;
  /** Writes one frame of silence at `ms` and returns its duration, ms (0 when there is no audio track). */
  writeSilence: (ms: number) => number;
}

/**
 * Keeps a push alive while its publisher is away (publisher grace): the target keeps receiving
 * the last keyframe picture, repeated, and silence, with timestamps that advance in real time,
 * so it sees one continuous publish when the publisher comes back.
 */
export class GapFiller {
  readonly #out: GapFillerOutputs;
  readonly #clock: Clock;
  #picture: Frame | undefined;
  #timer: TimerHandle | undefined;
  #anchorNow = 0;
  #anchorMs = 0;
  #nextAudioMs = 0;
  #nextVideoMs = 0;

  constructor(outputs: GapFillerOutputs, clock: Clock = systemClock) {
    this.#out = outputs;
    this.#clock = clock;
  }

  /** The latest keyframe seen, if any. */
  get picture(): Frame | undefined {
    return this.#picture;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Keeps the latest video keyframe as the picture to hold. */
  rememberPicture(frame: Frame): void {
    if (frame.keyframe && frame.track.kind === 'video') this.#picture = frame;
  }

  /** Starts filling from the end of the output timeline. */
  start(): void {
    this.stop();
    this.#anchorNow = this.#clock.now();
    this.#anchorMs = Math.max(0, this.#out.timeline.last);
    this.#nextAudioMs = this.#anchorMs + 1;
    this.#nextVideoMs = this.#anchorMs + PICTURE_REPEAT_MS;
    this.#timer = this.#clock.setInterval(() => this.#tick(), TICK_MS);
  }

  stop(): void {
    this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = this.#anchorMs + (this.#clock.now() - this.#anchorNow);
    while (this.#nextAudioMs <= now) {
      const duration = this.#out.writeSilence(this.#nextAudioMs);
      if (duration <= 0) break;
      this.#nextAudioMs += duration;
    }
    if (this.#picture && this.#nextVideoMs <= now) {
      this.#out.writePicture(this.#nextVideoMs, this.#picture);
      this.#nextVideoMs += PICTURE_REPEAT_MS;
    }
    this.#out.timeline.advanceTo(now);
  }
}
