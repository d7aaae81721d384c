import type { Frame } from '../../server/hub/frame';
import type { ReaderTracks } from '../../server/hub/reader';
import type { Sink, SinkHandlers, SinkInput, SinkStats } from '../../server/sinks/sink';
import type { ResolvedTarget } from '../../server/sinks/sink-kinds';

/** A sink the test drives: it connects, fails or stalls when told, and keeps what it was given. */
export class FakeSink implements Sink {
  stats: SinkStats = { bytesSent: 0, pendingBytes: 0, framesSent: 0 };
  readonly frames: Frame[] = [];
  readonly announced: ReaderTracks[] = [];
  /** Why the run was aborted, once it was. */
  abortReason: unknown;
  /** Throw from the frames handler on the frame with this index (0-based), once. */
  throwAtFrame: number | undefined;
  #input: SinkInput | undefined;
  #reject: ((error: Error) => void) | undefined;
  #running = false;

  run(input: SinkInput, signal: AbortSignal): Promise<void> {
    this.#input = input;
    this.#running = true;
    return new Promise<void>((resolve, reject) => {
      this.#reject = (error) => {
        this.#running = false;
        reject(error);
      };
      signal.addEventListener('abort', () => {
        this.abortReason = signal.reason;
        this.#running = false;
        resolve();
      }, { once: true });
    });
  }

  /** True between run() and its end. */
  get running(): boolean {
    return this.#running;
  }

  /** The sink "connected": it starts its input. */
  connect(): void {
    const input = this.#input!;
    const handlers: SinkHandlers = {
      frames: (frames) => {
        for (const frame of frames) {
          if (this.throwAtFrame === this.frames.length) {
            this.throwAtFrame = undefined;
            throw new Error(`sink failed at frame ${this.frames.length}`);
          }
          this.frames.push(frame);
          this.stats = { ...this.stats, framesSent: this.stats.framesSent + 1, bytesSent: this.stats.bytesSent + frame.data.length };
        }
      },
      tracks: (tracks) => this.announced.push(tracks),
    };
    input.start(handlers);
    this.announced.push(input.tracks);
  }

  /** The output failed on its own. */
  fail(error: Error): void {
    this.#reject?.(error);
  }
}

/** A target whose sinks are FakeSinks, all kept in `opened`. */
export function fakeTarget(url = 'fake://target/live'): ResolvedTarget & { readonly opened: FakeSink[] } {
  const opened: FakeSink[] = [];
  return {
    target: { url, host: 'target', streamName: 'live', safeUrl: url, safeStreamName: 'live' },
    opened,
    open: () => {
      const sink = new FakeSink();
      opened.push(sink);
      return sink;
    },
  };
}
