import { TypedEmitter } from '../events/typed-emitter';
import type { AudioTrackInfo, Frame, VideoTrackInfo } from './frame';
import { GopCache } from './gop-cache';

/** Where a stream comes from, as shown by the API. */
export type StreamSourceKind = 'webrtc' | 'rtmp';

/** Receives the frames of one stream. Called synchronously: it must neither throw nor block. */
export interface StreamReader {
  onFrame(frame: Frame): void;
}

/** Options of `HubStream.addReader`. */
export interface AddReaderOptions {
  /** Replay the cached frames since the last keyframe first, so the reader starts at once. Default true. */
  fromCache?: boolean;
  /** The reader wants audio: a source that makes audio on demand (Opus→AAC) starts doing so. Default true. */
  wantsAudio?: boolean;
}

/** What the publishing side of a stream offers to the hub. */
export interface StreamSource {
  readonly kind: StreamSourceKind;
  /** Id of the publishing media session (WebRTC mediaSessionId or RTMP connection id). */
  readonly mediaSessionId: string;
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  /** Ask the publisher for a keyframe (RTCP PLI for WebRTC; no-op where impossible). */
  requestKeyframe(reason: string): void;
}

/** Events of a HubStream. */
export type HubStreamEvents = {
  /** The video parameters appeared or changed (new SPS/PPS, new resolution). */
  'video-info': [info: VideoTrackInfo];
  'audio-info': [info: AudioTrackInfo];
  /** The source changed its mind about which tracks it has (`source.hasVideo` / `hasAudio`). */
  tracks: [];
  /** The number of readers that want audio went from 0 to 1 (true) or back to 0 (false). */
  'audio-demand': [wanted: boolean];
  'reader-count': [count: number];
  /** The publisher has gone; the reason is a WCS-style info string. */
  close: [reason: string];
};

/**
 * One published stream in the hub: frames written by its source fan out to every reader.
 * Readers never slow the source down: each one decides itself what to drop.
 */
export class HubStream extends TypedEmitter<HubStreamEvents> {
  readonly name: string;
  readonly source: StreamSource;
  /** `Date.now()` when the stream was published. */
  readonly publishedAt = Date.now();
  #videoInfo: VideoTrackInfo | undefined;
  #audioInfo: AudioTrackInfo | undefined;
  readonly #readers = new Map<StreamReader, { wantsAudio: boolean }>();
  #audioReaders = 0;
  readonly #cache = new GopCache();
  #closed = false;
  #closeReason = '';

  constructor(name: string, source: StreamSource) {
    super();
    this.name = name;
    this.source = source;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why the stream closed ('' while open). */
  get closeReason(): string {
    return this.#closeReason;
  }

  get videoInfo(): VideoTrackInfo | undefined {
    return this.#videoInfo;
  }

  get audioInfo(): AudioTrackInfo | undefined {
    return this.#audioInfo;
  }

  get readerCount(): number {
    return this.#readers.size;
  }

  /** True while at least one reader wants audio. */
  get audioWanted(): boolean {
    return this.#audioReaders > 0;
  }

  /** Called by the source when it learns (or changes) the video parameters. */
  setVideoInfo(info: VideoTrackInfo): void {
    const old = this.#videoInfo;
    if (old && old.sps.equals(info.sps) && old.pps.equals(info.pps)) return;
    this.#videoInfo = info;
    this.emit('video-info', info);
  }

  /** Called by the source when it learns (or changes) the audio parameters. */
  setAudioInfo(info: AudioTrackInfo): void {
    const old = this.#audioInfo;
    if (old && old.config.equals(info.config)) return;
    this.#audioInfo = info;
    this.emit('audio-info', info);
  }

  /** Called by the source when `hasVideo` or `hasAudio` changed. */
  tracksChanged(): void {
    this.emit('tracks');
  }

  /** Called by the source for every frame, in decode order per track. */
  write(frame: Frame): void {
    if (this.#closed) return;
    this.#cache.add(frame, this.source.hasVideo);
    for (const [reader, options] of this.#readers) {
      if (frame.kind === 'audio' && !options.wantsAudio) continue;
      reader.onFrame(frame);
    }
  }

  /**
   * Adds a reader; returns the function that removes it. With `fromCache` the frames since the
   * last keyframe are replayed synchronously before this returns.
   */
  addReader(reader: StreamReader, options: AddReaderOptions = {}): () => void {
    if (this.#closed) return () => undefined;
    const wantsAudio = options.wantsAudio ?? true;
    if (options.fromCache ?? true) {
      for (const frame of this.#cache.frames()) {
        if (frame.kind === 'audio' && !wantsAudio) continue;
        reader.onFrame(frame);
      }
    }
    this.#readers.set(reader, { wantsAudio });
    if (wantsAudio && ++this.#audioReaders === 1) this.emit('audio-demand', true);
    this.emit('reader-count', this.#readers.size);
    return () => this.#removeReader(reader);
  }

  #removeReader(reader: StreamReader): void {
    const options = this.#readers.get(reader);
    if (!options) return;
    this.#readers.delete(reader);
    if (options.wantsAudio && --this.#audioReaders === 0 && !this.#closed) this.emit('audio-demand', false);
    if (!this.#closed) this.emit('reader-count', this.#readers.size);
  }

  /** Asks the publisher for a keyframe on behalf of a reader. */
  requestKeyframe(reason: string): void {
    if (!this.#closed) this.source.requestKeyframe(reason);
  }

  /** Ends the stream (idempotent). Readers learn it from the 'close' event. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#cache.clear();
    this.emit('close', reason);
    this.#readers.clear();
    this.removeAllListeners();
  }
}
