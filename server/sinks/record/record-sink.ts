import { mkdir } from 'node:fs/promises';
import type { Frame } from '../../hub/frame';
import type { ReaderTracks } from '../../hub/reader';
import type { Logger } from '../../log';
import type { Sink, SinkInput, SinkStats } from '../sink';
import { checkFreeSpace } from './disk-space';
import { renderTemplate } from './file-template';
import { RecordingFile, frameMs } from './recording-file';
import type { RecordingLedger } from './recording-ledger';
import { RecordingTally } from './recording-summary';

/** Bytes waiting for the disk beyond which the input pauses (frames wait in the reader's bounded queue). */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;
/** A keyframe this close before the rotation point starts the new file (timestamps in ms jitter by one). */
const ROTATION_SLACK_MS = 2;
/** How often free space is checked while recording, ms. */
const FREE_SPACE_CHECK_MS = 2000;

/** What every recording session of one recording shares. */
export interface RecordSinkOptions {
  /** record_dir, absolute. */
  readonly recordDir: string;
  readonly ledger: RecordingLedger;
  readonly streamName: string;
  /** The recording's id. */
  readonly mediaSessionId: string;
  /** A recording refuses to start, and stops, below this much free space (record_min_free_mb). */
  readonly minFreeBytes: number;
  /** Longest fragment of the file being written, ms: what a crash may lose at most. */
  readonly maxFragmentMs: number;
  readonly logger: Logger;
}

/**
 * One recording session: frames into MP4 files under record_dir, a new file at the first keyframe
 * after each rotation point. At a rotation the file before keeps taking the audio that belongs
 * before the new file's first picture (audio arrives a little after the video of the same time),
 * so the files join without a lost or doubled frame. A write error (disk full, directory not
 * writable) or too little free space ends the session with the reason; the part written stays.
 */
export class RecordSink implements Sink {
  readonly #options: RecordSinkOptions;
  readonly #log: Logger;
  #tracks: ReaderTracks = { video: undefined, audio: undefined };
  /** The file frames go to. */
  #file: RecordingFile | undefined;
  /** The file before the last rotation, still taking audio older than #file's first picture. */
  #previous: RecordingFile | undefined;
  #rotateDue = false;
  /** Files finishing (made regular MP4s), in order. */
  #finishing: Promise<void> = Promise.resolve();
  #finishError: Error | undefined;
  /** The files this session finished, for its 'recording ended' line. */
  readonly #tally = new RecordingTally();
  #pastBytes = 0;
  #framesSent = 0;
  #fail: (error: Error) => void = () => undefined;
  #input: SinkInput | undefined;

  constructor(options: RecordSinkOptions) {
    this.#options = options;
    this.#log = options.logger;
  }

  get stats(): SinkStats {
    const open = [this.#file, this.#previous].filter((f) => f !== undefined);
    return {
      bytesSent: this.#pastBytes + open.reduce((sum, f) => sum + f.bytes, 0),
      pendingBytes: open.reduce((sum, f) => sum + f.pendingBytes, 0),
      framesSent: this.#framesSent,
    };
  }

  /** Records until `signal` aborts or an error ends the session; either way one 'recording ended' line sums it up. */
  async run(input: SinkInput, signal: AbortSignal): Promise<void> {
    let error: Error | undefined;
    try {
      await this.#record(input, signal);
    } catch (err) {
      error = err as Error;
      throw err;
    } finally {
      this.#log.info(this.#tally.summary(error), 'recording ended');
    }
  }

  async #record(input: SinkInput, signal: AbortSignal): Promise<void> {
    const { recordDir, minFreeBytes } = this.#options;
    await mkdir(recordDir, { recursive: true });
    await checkFreeSpace(recordDir, minFreeBytes);
    if (signal.aborted) return;
    this.#input = input;
    const failure = new Promise<Error>((resolve) => {
      this.#fail = resolve;
    });
    const spaceCheck = setInterval(() => {
      checkFreeSpace(recordDir, minFreeBytes).catch((err: unknown) => this.#fail(err as Error));
    }, FREE_SPACE_CHECK_MS);
    spaceCheck.unref();
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    this.#tracks = input.tracks;
    input.start({
      frames: (frames) => this.#frames(frames),
      tracks: (tracks) => {
        this.#tracks = tracks;
      },
    });
    const error = await Promise.race([failure, stopped.then(() => undefined)]);
    clearInterval(spaceCheck);
    this.#finishFile(this.#previous);
    this.#finishFile(this.#file);
    this.#previous = undefined;
    this.#file = undefined;
    this.#options.ledger.setCurrent(undefined);
    await this.#finishing;
    if (error) throw error;
    if (this.#finishError) throw this.#finishError;
  }

  #frames(frames: readonly Frame[]): void {
    for (const frame of frames) this.#frame(frame);
    const file = this.#file;
    if (file) this.#options.ledger.setCurrent({ fileName: file.openFileName, bytes: file.bytes, durationMs: Math.round(file.mediaMs), startTime: file.startTime });
    if (this.stats.pendingBytes > HIGH_WATER_BYTES) this.#input?.pause();
  }

  #frame(frame: Frame): void {
    const file = this.#file;
    if (frame.track.kind === 'audio' && this.#previous) {
      // Audio from before the new file's first picture still belongs to the file before it.
      if (file && frameMs(frame) < file.originMs) return this.#write(this.#previous, frame);
      this.#finishFile(this.#previous);
      this.#previous = undefined;
    }
    const hasVideo = this.#tracks.video !== undefined;
    // A file starts on a keyframe, or on any audio frame when there is no video.
    const canStart = frame.track.kind === 'video' ? frame.keyframe : !hasVideo;
    if (file && !file.accepts(frame)) this.#rotateDue = true;
    if (file && canStart && this.#rotationReached(file, frame)) this.#rotateDue = true;
    if ((!file || this.#rotateDue) && canStart) return this.#write(this.#startFile(frame), frame);
    if (file?.accepts(frame)) this.#write(file, frame);
  }

  #write(file: RecordingFile, frame: Frame): void {
    file.write(frame);
    this.#framesSent++;
  }

  /** At a frame a file may start on: does the current file hold enough? */
  #rotationReached(file: RecordingFile, next: Frame): boolean {
    const rotation = this.#options.ledger.spec.rotation;
    if (!rotation) return false;
    return rotation.kind === 'size' ? file.bytes >= rotation.bytes : frameMs(next) - file.originMs >= rotation.ms - ROTATION_SLACK_MS;
  }

  /** A new file from `first` on; the current one becomes the previous one (or finishes now when there is no audio to wait for). */
  #startFile(first: Frame): RecordingFile {
    const ledger = this.#options.ledger;
    this.#finishFile(this.#previous);
    this.#previous = undefined;
    const old = this.#file;
    if (old && first.track.kind === 'video' && this.#tracks.audio !== undefined) this.#previous = old;
    else this.#finishFile(old);
    this.#rotateDue = false;
    ledger.filesStarted++;
    const index = ledger.filesStarted;
    const tracks = this.#tracks;
    const startTime = Date.now();
    const file = new RecordingFile({
      recordDir: this.#options.recordDir,
      openName: this.#name(index, startTime, undefined),
      startTime,
      video: tracks.video?.params ? tracks.video : undefined,
      audio: tracks.audio?.params ? tracks.audio : undefined,
      index,
      maxFragmentMs: this.#options.maxFragmentMs,
      onError: (error) => this.#fail(error),
      onDrain: () => this.#input?.resume(),
      logger: this.#log,
    }, first);
    this.#file = file;
    this.#log.info({ fileName: file.openFileName, index }, 'recording file started');
    return file;
  }

  /** Finishes a file in the background, after the ones before it. */
  #finishFile(file: RecordingFile | undefined): void {
    if (!file) return;
    const ledger = this.#options.ledger;
    this.#pastBytes += file.bytes;
    this.#finishing = this.#finishing.then(async () => {
      try {
        const done = await file.finish((endTime) => this.#name(file.index, file.startTime, endTime));
        if (!done) return;
        this.#log.info({ fileName: done.fileName, bytes: done.bytes, durationMs: done.durationMs, finalized: done.finalized, finalizeMs: done.finalizeMs }, 'recording file finished');
        this.#tally.add(done);
        ledger.finished(done);
      } catch (err) {
        this.#finishError ??= err as Error;
        this.#log.error({ err: (err as Error).message }, 'recording file lost');
      }
    });
  }

  #name(index: number, startTime: number, endTime: number | undefined): string {
    const { ledger, streamName, mediaSessionId } = this.#options;
    return renderTemplate(ledger.spec.fileTemplate, { streamName, mediaSessionId, startTime, endTime, index, roomId: ledger.spec.roomId ?? streamName });
  }
}
