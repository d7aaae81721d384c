import type { PathDirectory, PathDirectoryEvents } from '../../../../server/paths/path-directory';
import type { HubStream } from '../../../../server/hub/stream';
import { spawnTracked, type TrackedProcess } from '../../../support/processes';

/** What the test publisher encodes. */
export interface TestPatternOptions {
  /** B-frames between references (x264 -bf); default 0. */
  readonly bFrames?: number;
  /** Keyframe interval, frames at 25 fps; default 50 (2 s). */
  readonly gop?: number;
  /** Media duration, seconds; default 120 (tests stop it sooner). */
  readonly seconds?: number;
}

/**
 * Starts ffmpeg publishing testsrc (320x240, 25 fps, H.264) and a 440 Hz sine (AAC, 44.1 kHz) in
 * real time to `url`. Always stop it (stopGracefully / killAllChildren).
 */
export function publishTestPattern(url: string, options: TestPatternOptions = {}): TrackedProcess {
  return spawnTracked('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(options.seconds ?? 120),
    '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', String(options.bFrames ?? 0), '-g', String(options.gop ?? 50),
    '-c:a', 'aac', '-b:a', '96k',
    '-f', 'flv', url,
  ]);
}

/** Where streamPublished looks: the gateway's PathManager or a TestPaths. */
export interface PublishedStreams {
  stream(name: string): HubStream | undefined;
  on(event: 'path-published', listener: (...args: PathDirectoryEvents['path-published']) => void): unknown;
  off(event: 'path-published', listener: (...args: PathDirectoryEvents['path-published']) => void): unknown;
}

/**
 * Resolves with the hub stream `name` once it is published (at once if it already is); rejects
 * after `timeoutMs` or when `publisher` exits first.
 */
export function streamPublished(paths: PublishedStreams, name: string, publisher: TrackedProcess, timeoutMs: number): Promise<HubStream> {
  const existing = paths.stream(name);
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const onPublished = (path: { name: string }): void => {
      const stream = paths.stream(name);
      if (path.name !== name || !stream) return;
      settle();
      resolve(stream);
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`stream ${name} not published within ${timeoutMs} ms; publisher stderr: ${publisher.stderrTail()}`));
    }, timeoutMs);
    void publisher.exited.then((status) => {
      settle();
      reject(new Error(`publisher exited (${JSON.stringify(status)}) before ${name} was published: ${publisher.stderrTail()}`));
    });
    const settle = (): void => {
      clearTimeout(timer);
      paths.off('path-published', onPublished);
    };
    paths.on('path-published', onPublished);
  });
}

/**
 * Resolves with the publisher's media session id once `name` is published anywhere in the gateway
 * (its main process or a media worker child: `directory` is the gateway's); rejects after
 * `timeoutMs` or when `publisher` exits first.
 */
export async function pathPublished(directory: PathDirectory, name: string, publisher: TrackedProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const publisherId = (await directory.findPath(name))?.stream?.publisherId;
    if (publisherId !== undefined) return publisherId;
    if (publisher.child.exitCode !== null) throw new Error(`publisher exited (${publisher.child.exitCode}) before ${name} was published: ${publisher.stderrTail()}`);
    if (Date.now() > deadline) throw new Error(`stream ${name} not published within ${timeoutMs} ms; publisher stderr: ${publisher.stderrTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
