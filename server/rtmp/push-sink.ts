import { TypedEmitter } from '../events/typed-emitter';
import type { AudioTrackInfo, VideoFrame, VideoTrackInfo } from '../hub/frame';
import { AudioHold } from './audio-hold';
import { RtmpPublishClient, type RtmpPublishClientOptions } from './client';
import { FlvMuxer, streamMetadata } from './flv-muxer';

/** How often write progress is checked, ms: the wedge is declared at most this late. */
const PROGRESS_CHECK_MS = 250;

/** An audio frame waiting for the next video frame. */
interface HeldAudio {
  ts: number;
  aac: Buffer;
  receivedAt: number | undefined;
}

/** Options of one push session. */
export interface RtmpPushSinkOptions extends RtmpPublishClientOptions {
  /** Bytes allowed in the socket's send buffer before frames are dropped, whole GOPs at a time. */
  maxBufferBytes: number;
  /** A connection that takes no bytes for this long while data waits is declared wedged, ms. */
  wedgeTimeoutMs: number;
  /** Told the time each frame spent in the gateway, from arrival to the socket, ms. */
  onFrameWritten?: (track: 'video' | 'audio', latencyMs: number) => void;
}

/** Events of a push session. */
export type RtmpPushSinkEvents = {
  /** The session ended by itself (peer dropped, wedged); not emitted after close(). */
  failed: [error: Error];
};

/** Thrown inside the 'failed' event when the target stopped taking bytes. */
export class WedgedConnectionError extends Error {
  readonly code = 'WEDGED';
}

/**
 * One RTMP publish session fed with hub frames already placed on the push's output timeline:
 * it writes onMetaData and the sequence headers, starts on a keyframe, keeps each track's
 * timestamps monotonic, and protects the gateway from a slow target: past `maxBufferBytes` queued
 * it drops frames until the next keyframe (never growing without bound), and a socket that takes
 * nothing for `wedgeTimeoutMs` ends the session. Single-shot: the transponder makes a new one to retry.
 */
export class RtmpPushSink extends TypedEmitter<RtmpPushSinkEvents> {
  readonly #client: RtmpPublishClient;
  readonly #options: RtmpPushSinkOptions;
  readonly #muxer: FlvMuxer;
  #progressTimer: NodeJS.Timeout | undefined;
  #flushed = 0;
  #stalledSince: number | undefined;
  readonly #heldAudio = new AudioHold<HeldAudio>();
  #closed = false;

  constructor(options: RtmpPushSinkOptions) {
    super();
    this.#options = options;
    this.#client = new RtmpPublishClient(options);
    this.#client.on('close', (error) => {
      if (!this.#closed) this.#fail(error ?? new Error('connection closed'));
    });
    this.#muxer = new FlvMuxer({
      sendVideo: (ts, body) => this.#client.sendVideo(ts, body),
      sendAudio: (ts, body) => this.#client.sendAudio(ts, body),
      backlog: () => this.#client.bufferedBytes / this.#options.maxBufferBytes,
    });
  }

  /** Frames dropped because the target was too slow. */
  get droppedFrames(): number {
    return this.#muxer.droppedFrames;
  }

  /** Timestamp of the last frame written, ms (-1 before the first). */
  get lastTimestamp(): number {
    return this.#muxer.lastTimestamp;
  }

  /** Bytes written on this session. */
  get bytesSent(): number {
    return this.#client.bytesSent;
  }

  /** Bytes waiting in the send buffer. */
  get bufferedBytes(): number {
    return this.#client.bufferedBytes;
  }

  /** Connects and starts publishing (rejects with RtmpClientError). */
  async connect(signal?: AbortSignal): Promise<void> {
    await this.#client.connect(signal);
    this.#progressTimer = setInterval(() => this.#checkProgress(), PROGRESS_CHECK_MS);
    this.#progressTimer.unref();
  }

  /** Sends onMetaData describing the tracks. */
  sendMetadata(video: VideoTrackInfo | undefined, audio: AudioTrackInfo | undefined): void {
    this.#client.sendMetadata(streamMetadata(video, audio));
  }

  /** Sets the video parameters; the AVC sequence header goes out before the next keyframe. */
  setVideoInfo(info: VideoTrackInfo): void {
    this.#muxer.setVideoInfo(info);
  }

  /** Sets the audio parameters; the AAC sequence header goes out before the next audio frame. */
  setAudioInfo(info: AudioTrackInfo): void {
    this.#muxer.setAudioInfo(info);
  }

  /** Writes a video frame at output time `ts` (its decode time), ms, with the audio held for it. */
  writeVideo(ts: number, frame: VideoFrame): void {
    if (this.#closed) return;
    this.#client.batch(() => {
      this.#releaseAudio();
      if (this.#muxer.writeVideo(ts, frame)) this.#options.onFrameWritten?.('video', performance.now() - frame.receivedAt);
    });
  }

  /**
   * Writes a raw AAC frame at output time `ts`, ms; `receivedAt` is when its source arrived
   * (undefined for made-up audio such as silence). While video waits for a keyframe, audio waits too.
   * With video in the stream, the frame may wait for the next video frame (see AudioHold).
   */
  writeAudio(ts: number, aac: Buffer, receivedAt: number | undefined, streamHasVideo: boolean): void {
    if (this.#closed) return;
    if (streamHasVideo) {
      if (this.#heldAudio.add({ ts, aac, receivedAt })) this.#client.batch(() => this.#releaseAudio());
      return;
    }
    this.#releaseAudio();
    this.#writeAudioNow(ts, aac, receivedAt, false);
  }

  #releaseAudio(): void {
    for (const { ts, aac, receivedAt } of this.#heldAudio.take()) this.#writeAudioNow(ts, aac, receivedAt, true);
  }

  #writeAudioNow(ts: number, aac: Buffer, receivedAt: number | undefined, streamHasVideo: boolean): void {
    if (!this.#muxer.writeAudio(ts, aac, streamHasVideo)) return;
    if (receivedAt !== undefined) this.#options.onFrameWritten?.('audio', performance.now() - receivedAt);
  }

  /** Ends the session cleanly (FCUnpublish, deleteStream). Idempotent. */
  async close(): Promise<void> {
    if (!this.#closed) this.#releaseAudio();
    this.#stop();
    await this.#client.close();
  }

  #stop(): void {
    this.#closed = true;
    clearInterval(this.#progressTimer);
  }

  #fail(error: Error): void {
    this.#stop();
    this.#client.destroy(error);
    this.emit('failed', error);
  }

  /** A target that stops reading leaves bytes queued with no progress: give up on it after the wedge timeout. */
  #checkProgress(): void {
    const flushed = this.#client.bytesSent - this.#client.bufferedBytes;
    if (flushed > this.#flushed || this.#client.bufferedBytes === 0) {
      this.#flushed = flushed;
      this.#stalledSince = undefined;
      return;
    }
    this.#stalledSince ??= performance.now();
    if (performance.now() - this.#stalledSince >= this.#options.wedgeTimeoutMs) {
      this.#fail(new WedgedConnectionError(`the target took no data for ${Math.round(this.#options.wedgeTimeoutMs / 1000)} s (${this.#client.bufferedBytes} bytes waiting)`));
    }
  }
}
