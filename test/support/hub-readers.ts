import type { Frame } from '../../server/hub/frame';
import type { ReaderOptions, StreamReader } from '../../server/hub/reader';
import type { HubStream } from '../../server/hub/stream';
import type { Codec } from '../../server/hub/track';

/** Queue limits no test reaches. */
export const UNBOUNDED = { maxBytes: 1 << 30, maxMs: 3_600_000 } as const;

/** A reader that keeps every frame it is given. */
export interface CollectingReader {
  readonly reader: StreamReader;
  readonly frames: Frame[];
}

/** Adds a started reader of `codecs` (H.264 and AAC by default) that collects its frames. */
export function collectFrames(stream: HubStream, options: Partial<ReaderOptions> & { codecs?: readonly Codec[] } = {}): CollectingReader {
  const frames: Frame[] = [];
  const reader = stream.addReader({ label: 'test', codecs: ['h264', 'aac'], limits: UNBOUNDED, ...options });
  reader.start((batch) => frames.push(...batch));
  return { reader, frames };
}

/** Resolves once the readers have been handed what was written before the call (they drain once per event-loop turn). */
export function readersDrained(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves once a new reader of `stream` (H.264 and AAC, starting at the next keyframe) has been handed `count` frames. */
export function framesReach(stream: HubStream, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const reader = stream.addReader({ label: 'test', codecs: ['h264', 'aac'], fromCache: false, limits: UNBOUNDED });
    reader.start((frames) => {
      seen += frames.length;
      if (seen < count) return;
      reader.close();
      resolve();
    });
  });
}
