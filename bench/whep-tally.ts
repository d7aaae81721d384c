import type { ViewerWindow } from './whep-viewer-messages';

/** Half the 16-bit sequence space: a step of this many or more is a packet repeated or late, not a gap. */
const HALF_SEQUENCES = 0x8000;
/** Half the 32-bit timestamp space: a step of this much or more goes backwards. */
const HALF_TIMESTAMPS = 0x8000_0000;

/**
 * Counts what one WHEP viewer receives, from RTP headers only. A video frame is received when its
 * last packet (marker bit) arrives; it is lost when a sequence gap fell inside it, or, for a gap
 * between frames, when the next marker's timestamp is more than one frame time after the previous
 * marker's (whole frames, or a marker, never came). A packet older than one already counted (a
 * retransmission after a NACK) fills no gap: a frame repaired late counts as lost, which makes
 * the figure strict. Counters cover a window (see `resetWindow`); continuity
 * survives it, so a gap across the window start is still seen.
 */
export class WhepTally {
  readonly #frameTicks: number;
  readonly #onFirstVideo: () => void;
  #lastVideoSequence: number | undefined;
  #lastAudioSequence: number | undefined;
  /** Timestamp of the latest video packet, and whether a gap fell between two packets of that frame. */
  #frameTimestamp: number | undefined;
  #gapInFrame = false;
  /** Timestamp of the latest marker, and whether any gap fell after it. */
  #markerTimestamp: number | undefined;
  #gapSinceMarker = false;
  #window = emptyWindow();

  /** `frameTicks`: one frame time of the video in 90 kHz RTP ticks; `onFirstVideo` is called at the first frame. */
  constructor(frameTicks: number, onFirstVideo: () => void) {
    this.#frameTicks = frameTicks;
    this.#onFirstVideo = onFirstVideo;
  }

  onVideo(sequenceNumber: number, timestamp: number, marker: boolean): void {
    const missing = gapBefore(this.#lastVideoSequence, sequenceNumber);
    if (missing === undefined) return;
    this.#lastVideoSequence = sequenceNumber;
    if (timestamp !== this.#frameTimestamp) this.#gapInFrame = false;
    else if (missing > 0) this.#gapInFrame = true;
    if (missing > 0) this.#gapSinceMarker = true;
    this.#frameTimestamp = timestamp;
    if (!marker) return;
    const w = this.#window;
    if (this.#markerTimestamp === undefined) this.#onFirstVideo();
    const step = this.#markerTimestamp === undefined ? 0 : (timestamp - this.#markerTimestamp) >>> 0;
    const frames = step >= HALF_TIMESTAMPS ? 1 : Math.max(1, Math.round(step / this.#frameTicks));
    // Frames skipped over never showed their marker; with none skipped, a gap since the last marker was this frame's.
    w.lostVideoFrames += frames - 1 + (this.#gapInFrame || (frames === 1 && this.#gapSinceMarker) ? 1 : 0);
    w.videoFrames++;
    this.#markerTimestamp = timestamp;
    this.#gapSinceMarker = false;
    this.#gapInFrame = false;
  }

  onAudio(sequenceNumber: number): void {
    const missing = gapBefore(this.#lastAudioSequence, sequenceNumber);
    if (missing === undefined) return;
    this.#lastAudioSequence = sequenceNumber;
    this.#window.audioFrames++;
    this.#window.lostAudioFrames += missing;
  }

  /** Starts a new window: counters back to zero, continuity kept. */
  resetWindow(): void {
    this.#window = emptyWindow();
  }

  window(): ViewerWindow {
    return { ...this.#window };
  }
}

/** Packets missing between `last` and `next` (16-bit sequence numbers); undefined when `next` is repeated or late. */
function gapBefore(last: number | undefined, next: number): number | undefined {
  if (last === undefined) return 0;
  const step = (next - last) & 0xffff;
  return step === 0 || step >= HALF_SEQUENCES ? undefined : step - 1;
}

function emptyWindow(): { -readonly [K in keyof ViewerWindow]: ViewerWindow[K] } {
  return { videoFrames: 0, audioFrames: 0, lostVideoFrames: 0, lostAudioFrames: 0 };
}
