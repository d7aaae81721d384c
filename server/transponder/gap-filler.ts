import type { VideoFrame } from '../hub/frame';
import type { OutputTimeline } from './output-timeline';

/** How often the filler writes, ms. */
const TICK_MS = 100;
/** The held picture is sent again this often, ms (players need a keyframe to show it). */
const PICTURE_REPEAT_MS = 1000;

/** Where the filler writes. */
export interface GapFillerOutputs {
  timeline: OutputTimeline;
  writeVideo: (ts: number, frame: VideoFrame) => void;
  /** Writes one frame of silence at `ts` and returns its duration, ms (0 when there is no audio track). */
  writeSilence: (ts: number) => number;
}

/**
 * Keeps a push alive while its publisher is away (publisher grace): the target keeps receiving
 * the last keyframe picture, repeated, and silence, with timestamps that advance in real time,
 * so it sees one continuous publish when the publisher comes back.
 */
export class GapFiller {
  readonly #out: GapFillerOutputs;
  #picture: VideoFrame | undefined;
  #timer: NodeJS.Timeout | undefined;
  #anchorNow = 0;
  #anchorTs = 0;
  #nextAudioTs = 0;
  #nextVideoTs = 0;

  constructor(outputs: GapFillerOutputs) {
    this.#out = outputs;
  }

  /** True once a keyframe has been seen. */
  get hasPicture(): boolean {
    return this.#picture !== undefined;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Keeps the latest keyframe as the picture to hold. */
  rememberPicture(frame: VideoFrame): void {
    if (frame.keyframe) this.#picture = frame;
  }

  /** Starts filling from the end of the output timeline. */
  start(): void {
    this.stop();
    this.#anchorNow = performance.now();
    this.#anchorTs = Math.max(0, this.#out.timeline.last);
    this.#nextAudioTs = this.#anchorTs + 1;
    this.#nextVideoTs = this.#anchorTs + PICTURE_REPEAT_MS;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = this.#anchorTs + (performance.now() - this.#anchorNow);
    while (this.#nextAudioTs <= now) {
      const duration = this.#out.writeSilence(Math.round(this.#nextAudioTs));
      if (duration <= 0) break;
      this.#nextAudioTs += duration;
    }
    if (this.#picture && this.#nextVideoTs <= now) {
      const ts = Math.round(this.#nextVideoTs);
      this.#out.writeVideo(ts, { ...this.#picture, pts: ts, dts: ts, receivedAt: performance.now() });
      this.#nextVideoTs += PICTURE_REPEAT_MS;
    }
    this.#out.timeline.advanceTo(Math.round(now));
  }
}
