import { dtsMs, msToUnits, type Frame } from '../hub/frame';
import type { ReaderOptions, ReaderTracks, StreamReader } from '../hub/reader';
import type { HubStream } from '../hub/stream';
import type { SinkHandlers, SinkInput } from './sink';

/**
 * The simplest sink input: one reader of one stream, its frames moved onto a timeline that starts
 * at 0 on the first frame delivered (a keyframe, or anything without video). Frames from before
 * that start (audio queued just ahead of the keyframe) are left out. Players use it.
 */
export class ReaderInput implements SinkInput {
  readonly #stream: HubStream;
  readonly #options: ReaderOptions;
  #reader: StreamReader | undefined;
  /** Source time that maps to output time 0, ms. */
  #originMs: number | undefined;

  constructor(stream: HubStream, options: ReaderOptions) {
    this.#stream = stream;
    this.#options = options;
  }

  get tracks(): ReaderTracks {
    return this.#reader?.tracks ?? { video: this.#stream.video, audio: undefined };
  }

  /** Frames dropped because the sink was too slow. */
  get droppedFrames(): number {
    return this.#reader?.stats.droppedFrames ?? 0;
  }

  start(handlers: SinkHandlers): void {
    if (this.#reader) return;
    const reader = this.#stream.addReader(this.#options);
    this.#reader = reader;
    reader.on('tracks', (tracks) => handlers.tracks(tracks));
    reader.start((frames) => {
      const out: Frame[] = [];
      for (const frame of frames) {
        const ms = dtsMs(frame);
        this.#originMs ??= ms;
        const outMs = ms - this.#originMs;
        if (outMs < 0 && frame.track.kind === 'audio') continue;
        const dts = msToUnits(outMs, frame.track.timescale);
        out.push({ ...frame, dts, pts: dts + (frame.pts - frame.dts) });
      }
      if (out.length > 0) handlers.frames(out);
    });
  }

  pause(): void {
    this.#reader?.pause();
  }

  resume(): void {
    this.#reader?.resume();
  }

  /** Stops reading. Idempotent. */
  close(): void {
    this.#reader?.close();
  }
}
