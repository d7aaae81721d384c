import type { Frame } from '../../server/hub/frame';
import type { ReaderTracks } from '../../server/hub/reader';
import type { SinkHandlers, SinkInput } from '../../server/sinks/sink';

/** A sink input the test drives by hand: it records what the sink asks and hands frames over on demand. */
export class ManualSinkInput implements SinkInput {
  tracks: ReaderTracks;
  #handlers: SinkHandlers | undefined;
  /** Calls to pause() and resume(), in order. */
  readonly flow: Array<'pause' | 'resume'> = [];
  #started: () => void = () => undefined;
  /** Resolves once the sink has started the input (it is connected). */
  readonly started = new Promise<void>((resolve) => (this.#started = resolve));

  constructor(tracks: ReaderTracks) {
    this.tracks = tracks;
  }

  start(handlers: SinkHandlers): void {
    this.#handlers = handlers;
    this.#started();
  }

  pause(): void {
    this.flow.push('pause');
  }

  resume(): void {
    this.flow.push('resume');
  }

  /** Hands the sink one batch of frames. */
  frames(...frames: Frame[]): void {
    if (!this.#handlers) throw new Error('the sink has not started its input');
    this.#handlers.frames(frames);
  }
}
