import type { Frame } from '../../hub/frame';
import type { HubStream } from '../../hub/stream';
import { AudioHold } from '../audio-hold';
import type { RtmpConnection } from '../connection';
import { FlvMuxer, streamMetadata } from '../flv-muxer';
import { AmfEcmaArray } from '../protocol/amf0';
import { ChunkStreamId, MessageType } from '../protocol/messages';
import type { Payload } from '../protocol/payload';
import { QueuedMedia } from './queued-media';
import { metadataMessage } from './replies';

/** Where and how one player is fed. */
export interface HubPlaybackOptions {
  /** The message stream the player created and played on. */
  readonly messageStreamId: number;
  /** Media the player may have queued (written, not yet taken by its socket) before whole GOPs are skipped, ms. */
  readonly maxQueuedMs: number;
}

/**
 * Feeds one hub stream to one RTMP player: onMetaData and sequence headers first, then the
 * cached GOP (so a late joiner starts on a keyframe at once) and live frames, on a timeline that
 * starts at 0 on that keyframe. A player that falls more than `maxQueuedMs` behind skips to a
 * later keyframe; it never slows the publisher or other players down.
 */
export class HubPlayback {
  readonly #connection: RtmpConnection;
  readonly #stream: HubStream;
  readonly #messageStreamId: number;
  readonly #maxQueuedMs: number;
  readonly #muxer: FlvMuxer;
  readonly #queued = new QueuedMedia();
  /** Audio waiting to leave with the next video frame in one write: [output ts, raw AAC]. */
  readonly #heldAudio = new AudioHold<[number, Buffer]>();
  /** Source time that maps to output time 0, ms; undefined until the first frame a player can start on. */
  #origin: number | undefined;
  readonly #removeReader: () => void;
  readonly #onEnded: (reason: string) => void;
  readonly #onVideoInfo = (): void => this.#trackInfoChanged();
  readonly #onAudioInfo = (): void => this.#trackInfoChanged();

  /** Starts playing `stream` on `connection`; `onEnded` is told the publisher's reason when the stream closes. */
  constructor(connection: RtmpConnection, stream: HubStream, options: HubPlaybackOptions, onEnded: (reason: string) => void) {
    this.#connection = connection;
    this.#stream = stream;
    this.#messageStreamId = options.messageStreamId;
    this.#maxQueuedMs = options.maxQueuedMs;
    this.#muxer = new FlvMuxer({
      sendVideo: (ts, body) => this.#send(MessageType.VIDEO, ChunkStreamId.VIDEO, ts, body),
      sendAudio: (ts, body) => this.#send(MessageType.AUDIO, ChunkStreamId.AUDIO, ts, body),
      backlog: () => this.#queued.queuedMs(connection.bytesSent - connection.bufferedBytes) / this.#maxQueuedMs,
    });
    stream.on('video-info', this.#onVideoInfo);
    stream.on('audio-info', this.#onAudioInfo);
    this.#onEnded = onEnded;
    stream.once('close', onEnded);
    this.#trackInfoChanged();
    this.#removeReader = stream.addReader({ onFrame: (frame) => this.#onFrame(frame) }, { fromCache: true });
  }

  /** Frames skipped because the player was too slow or had not reached a keyframe. */
  get droppedFrames(): number {
    return this.#muxer.droppedFrames;
  }

  /** Stops reading the stream (the player left or stopped). Idempotent. */
  stop(): void {
    this.#removeReader();
    this.#stream.off('video-info', this.#onVideoInfo);
    this.#stream.off('audio-info', this.#onAudioInfo);
    this.#stream.off('close', this.#onEnded);
  }

  /** New parameters: new sequence headers for the muxer, and onMetaData again (players accept repeats). */
  #trackInfoChanged(): void {
    const { videoInfo, audioInfo } = this.#stream;
    if (videoInfo) this.#muxer.setVideoInfo(videoInfo);
    if (audioInfo) this.#muxer.setAudioInfo(audioInfo);
    this.#connection.send(metadataMessage(this.#messageStreamId, new AmfEcmaArray(streamMetadata(videoInfo, audioInfo))));
  }

  #onFrame(frame: Frame): void {
    const hasVideo = this.#stream.source.hasVideo;
    if (this.#origin === undefined) {
      const startsHere = frame.kind === 'video' ? frame.keyframe : !hasVideo;
      if (!startsHere) return;
      this.#origin = frame.kind === 'video' ? frame.dts : frame.pts;
    }
    if (frame.kind === 'video') {
      const ts = Math.round(frame.dts - this.#origin);
      this.#connection.batch(() => {
        this.#releaseAudio(hasVideo);
        // Without its sequence header a frame cannot be decoded: wait for the parameters.
        if (this.#stream.videoInfo !== undefined) this.#muxer.writeVideo(ts, frame);
      });
      return;
    }
    const ts = Math.round(frame.pts - this.#origin);
    if (ts < 0 || this.#stream.audioInfo === undefined) return;
    if (!hasVideo) {
      this.#releaseAudio(false);
      this.#muxer.writeAudio(ts, frame.data, false);
    } else if (this.#heldAudio.add([ts, frame.data])) {
      this.#connection.batch(() => this.#releaseAudio(true));
    }
  }

  #releaseAudio(hasVideo: boolean): void {
    for (const [ts, data] of this.#heldAudio.take()) this.#muxer.writeAudio(ts, data, hasVideo);
  }

  #send(typeId: number, chunkStreamId: number, timestamp: number, payload: Payload): void {
    this.#connection.send({ chunkStreamId, timestamp, typeId, messageStreamId: this.#messageStreamId, payload });
    this.#queued.wrote(this.#connection.bytesSent, timestamp);
  }
}
