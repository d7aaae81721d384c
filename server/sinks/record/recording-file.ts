import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Frame } from '../../hub/frame';
import type { Track } from '../../hub/track';
import type { Logger } from '../../log';
import { defragmentFile } from '../../media/containers/mp4/mp4-defragmenter';
import { FragmentedMp4Writer, type Fmp4Tracks } from '../../media/containers/mp4/fmp4-writer';
import { MediaFormatError } from '../../media/media-format-error';
import type { RecordedFile } from './recording-ledger';

/** Extension of a file while it is written (fragmented MP4: playable up to its last fragment after a crash). */
export const RECORDING_SUFFIX = '.recording.mp4';

/** What one file of a recording is made with. */
export interface RecordingFileOptions {
  /** record_dir, absolute. */
  readonly recordDir: string;
  /** The file's path relative to record_dir without extension, as it is named while written. */
  readonly openName: string;
  /** The tracks the file carries, their parameters known. */
  readonly video: Track | undefined;
  readonly audio: Track | undefined;
  /** 1 for the first file of the recording. */
  readonly index: number;
  /** Unix ms of the first frame. */
  readonly startTime: number;
  readonly maxFragmentMs: number;
  /** A write failed (the disk is full, say): the file takes nothing more. */
  readonly onError: (error: Error) => void;
  /** Bytes waiting to be written fell to none. */
  readonly onDrain: () => void;
  readonly logger: Logger;
}

/**
 * One MP4 file of a recording. While recording it is a fragmented MP4 written fragment by
 * fragment (one write at a time, in order), so a crash, a `kill -9` or a power cut leaves a file
 * that plays up to its last fragment. `finish` turns it into a regular MP4 with its index at the
 * front under its final name; if that fails (no room for the copy), the fragmented file is kept
 * under the final name instead.
 */
export class RecordingFile {
  readonly index: number;
  /** Unix ms of the first frame. */
  readonly startTime: number;
  /** Output time of the first frame, ms: the file's time 0. */
  readonly originMs: number;
  readonly #options: RecordingFileOptions;
  readonly #writer: FragmentedMp4Writer;
  readonly #openPath: string;
  readonly #video: Track | undefined;
  readonly #audio: Track | undefined;
  #handle: Promise<FileHandle>;
  #writing: Promise<void> = Promise.resolve();
  #error: Error | undefined;
  #bytes = 0;
  #pendingBytes = 0;
  /** Output time of the latest frame given, ms. */
  #lastMs: number;
  /** Frames the MP4 writer refused (malformed input from a publisher). */
  refusedFrames = 0;
  lastRefusal: string | undefined;

  constructor(options: RecordingFileOptions, first: Frame) {
    this.#options = options;
    this.index = options.index;
    this.startTime = options.startTime;
    this.#video = options.video;
    this.#audio = options.audio;
    this.originMs = frameMs(first);
    this.#lastMs = this.originMs;
    this.#openPath = path.join(options.recordDir, options.openName + RECORDING_SUFFIX);
    this.#writer = new FragmentedMp4Writer(fmp4Tracks(options.video, options.audio), { maxFragmentMs: options.maxFragmentMs });
    this.#handle = mkdir(path.dirname(this.#openPath), { recursive: true }).then(() => open(this.#openPath, 'wx'));
    this.#handle.catch((err: unknown) => this.#fail(err));
    this.#enqueue(this.#writer.init());
  }

  /** The file's name relative to record_dir while it is written. */
  get openFileName(): string {
    return this.#options.openName + RECORDING_SUFFIX;
  }

  /** Bytes written or waiting to be. */
  get bytes(): number {
    return this.#bytes;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Media time from the first frame to the last one given, ms (fragments still held included). */
  get mediaMs(): number {
    return this.#lastMs - this.originMs;
  }

  get failed(): boolean {
    return this.#error !== undefined;
  }

  /** False for a frame of a track this file cannot carry (a new track, another clock or codec config): the recording starts a new file. */
  accepts(frame: Frame): boolean {
    const own = frame.track.kind === 'video' ? this.#video : this.#audio;
    if (!own || own.timescale !== frame.track.timescale || own.codec !== frame.track.codec) return false;
    if (frame.track.kind === 'audio') {
      const a = own.params;
      const b = frame.track.params;
      return a?.codec === 'aac' && b?.codec === 'aac' && a.config.equals(b.config);
    }
    return frame.track.params?.codec === 'h264';
  }

  write(frame: Frame): void {
    if (this.#error) return;
    this.#lastMs = Math.max(this.#lastMs, frameMs(frame));
    let fragment: Buffer | undefined;
    try {
      fragment = frame.track.kind === 'video'
        ? this.#writer.addVideo({ data: this.#withParameterSets(frame), pts: frame.pts, dts: frame.dts, keyframe: frame.keyframe })
        : this.#writer.addAudio({ data: frame.data, dts: frame.dts });
    } catch (err) {
      if (!(err instanceof MediaFormatError)) throw err;
      this.refusedFrames++;
      this.lastRefusal = err.message;
      return;
    }
    if (fragment) this.#enqueue(fragment);
  }

  /**
   * Ends the file: the last fragment written, the file closed, then made a regular MP4 named by
   * `finalName` (relative to record_dir, without extension; made unique). Undefined when the file
   * holds no frame (it is removed). Rejects only when even the fragmented file could not be kept.
   */
  async finish(finalName: (endTime: number) => string): Promise<RecordedFile | undefined> {
    const last = this.#error ? undefined : this.#writer.flush();
    if (last) this.#enqueue(last);
    await this.#writing;
    const handle = await this.#handle.catch(() => undefined);
    if (handle) {
      await handle.sync().catch(() => undefined);
      await handle.close().catch(() => undefined);
    }
    if (!handle) return undefined;
    const durationMs = Math.round(this.#writer.durationMs);
    if (this.#writer.samplesWritten === 0) {
      await rm(this.#openPath, { force: true });
      return undefined;
    }
    const endTime = this.startTime + durationMs;
    const wanted = path.join(this.#options.recordDir, finalName(endTime));
    const finalPath = path.join(path.dirname(wanted), await freeName(path.dirname(wanted), path.basename(wanted)));
    const fileName = path.relative(this.#options.recordDir, finalPath);
    const log = this.#options.logger;
    let finalized = true;
    const finalizeStart = performance.now();
    try {
      await defragmentFile(this.#openPath, finalPath + '.tmp');
      await rename(finalPath + '.tmp', finalPath);
      await rm(this.#openPath, { force: true });
    } catch (err) {
      finalized = false;
      await rm(finalPath + '.tmp', { force: true });
      log.warn({ fileName, err: (err as Error).message }, 'recording kept fragmented: it could not be made a regular MP4');
      await rename(this.#openPath, finalPath);
    }
    const { size } = await stat(finalPath);
    return { fileName, bytes: size, durationMs, startTime: this.startTime, endTime, index: this.index, finalized, finalizeMs: Math.round(performance.now() - finalizeStart) };
  }

  /** An H.264 keyframe whose parameter sets differ from the file's (the picture size changed) carries them in-band. */
  #withParameterSets(frame: Frame): Buffer {
    const own = this.#video?.params;
    const now = frame.track.params;
    if (!frame.keyframe || own?.codec !== 'h264' || now?.codec !== 'h264') return frame.data;
    if (own.sps.equals(now.sps) && own.pps.equals(now.pps)) return frame.data;
    return Buffer.concat([lengthPrefix(now.sps), now.sps, lengthPrefix(now.pps), now.pps, frame.data]);
  }

  #enqueue(bytes: Buffer): void {
    this.#bytes += bytes.length;
    this.#pendingBytes += bytes.length;
    this.#writing = this.#writing.then(async () => {
      if (this.#error) return;
      try {
        const handle = await this.#handle;
        await handle.write(bytes);
      } catch (err) {
        this.#fail(err);
      } finally {
        this.#pendingBytes -= bytes.length;
        if (this.#pendingBytes === 0) this.#options.onDrain();
      }
    });
  }

  #fail(err: unknown): void {
    if (this.#error) return;
    const cause = err as NodeJS.ErrnoException;
    this.#error = new Error(`cannot write ${this.openFileName}: ${cause.code ? `${cause.code}: ` : ''}${describe(cause)}`);
    this.#options.onError(this.#error);
  }
}

/** Output time of a frame, ms. */
export function frameMs(frame: Frame): number {
  return (frame.dts * 1000) / frame.track.timescale;
}

function fmp4Tracks(video: Track | undefined, audio: Track | undefined): Fmp4Tracks {
  const v = video?.params;
  const a = audio?.params;
  return {
    ...(video && v?.codec === 'h264' ? { video: { timescale: video.timescale, width: v.width, height: v.height, sps: v.sps, pps: v.pps } } : {}),
    ...(audio && a?.codec === 'aac' ? { audio: { timescale: audio.timescale, sampleRate: a.sampleRate, channels: a.channels, config: a.config } } : {}),
  };
}

function lengthPrefix(nal: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(nal.length);
  return prefix;
}

/** `name.mp4`, or `name-2.mp4`, `name-3.mp4`… when taken in `dir`. */
export async function freeName(dir: string, name: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = `${name}${n === 1 ? '' : `-${n}`}.mp4`;
    try {
      await stat(path.join(dir, candidate));
    } catch {
      return candidate;
    }
  }
}

/** The message of a system error without the path it repeats. */
function describe(err: NodeJS.ErrnoException): string {
  return err.message.replace(/^[A-Z]+: /, '').replace(/, (open|write) '.*'$/, '');
}
