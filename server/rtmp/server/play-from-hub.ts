import type { HubStream } from '../../hub/stream';
import type { Logger } from '../../log';
import { FlvMuxer, flvHandlers } from '../../sinks/flv-muxer';
import { ReaderInput } from '../../sinks/reader-input';
import { STOP_GRACEFULLY, type Sink, type SinkInput, type SinkStats } from '../../sinks/sink';
import { AmfEcmaArray } from '../protocol/amf0';
import type { RtmpConnection } from '../connection';
import { ChunkStreamId, MessageType } from '../protocol/messages';
import type { Payload } from '../protocol/payload';
import { metadataMessage } from './replies';

/** Bytes a player's queue may hold, whatever its time limit. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

/** Where and how one player is fed. */
export interface HubPlaybackOptions {
  /** The message stream the player created and played on. */
  readonly messageStreamId: number;
  /** Media the player may have queued before whole GOPs are skipped, ms. */
  readonly maxQueuedMs: number;
  readonly logger: Logger;
}

/**
 * The RTMP player as a sink: FLV tags of the input's frames on the player's message stream of an
 * accepted connection. It pauses its input while the socket is congested, so a player that reads
 * slowly falls behind in its own queue and skips whole GOPs there.
 */
export class RtmpPlaySink implements Sink {
  readonly #connection: RtmpConnection;
  readonly #muxer: FlvMuxer;

  constructor(connection: RtmpConnection, messageStreamId: number) {
    this.#connection = connection;
    const send = (typeId: number, chunkStreamId: number) => (timestamp: number, payload: Payload): void => {
      connection.send({ chunkStreamId, timestamp, typeId, messageStreamId, payload });
    };
    this.#muxer = new FlvMuxer({
      sendVideo: send(MessageType.VIDEO, ChunkStreamId.VIDEO),
      sendAudio: send(MessageType.AUDIO, ChunkStreamId.AUDIO),
      sendMetadata: (metadata) => connection.send(metadataMessage(messageStreamId, new AmfEcmaArray(metadata))),
      batch: (sends) => connection.batch(sends),
    });
  }

  get stats(): SinkStats {
    return { bytesSent: this.#connection.bytesSent, pendingBytes: this.#connection.bufferedBytes, framesSent: this.#muxer.framesSent };
  }

  run(input: SinkInput, signal: AbortSignal): Promise<void> {
    const connection = this.#connection;
    const muxer = this.#muxer;
    return new Promise<void>((resolve, reject) => {
      const onClose = (error: Error | undefined): void => reject(error ?? new Error('the player left'));
      const onDrain = (): void => input.resume();
      const stop = (): void => {
        connection.off('close', onClose);
        connection.off('drain', onDrain);
        if (signal.reason === STOP_GRACEFULLY) muxer.flush();
        resolve();
      };
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      connection.on('close', onClose);
      connection.on('drain', onDrain);
      input.start(flvHandlers(muxer, input, () => connection.bufferedBytes));
      muxer.announce(input.tracks);
    });
  }
}

/**
 * Feeds one hub stream to one RTMP player: onMetaData and sequence headers first, then the cached
 * GOP (so a late joiner starts on a keyframe at once) and live frames, on a timeline that starts
 * at 0 on that keyframe. A player that falls more than `maxQueuedMs` behind skips to a later
 * keyframe; it never slows the publisher or other players down.
 */
export class HubPlayback {
  readonly #input: ReaderInput;
  readonly #abort = new AbortController();
  readonly #stream: HubStream;
  readonly #onEnded: (reason: string) => void;
  readonly #onStreamClose = (reason: { info: string }): void => this.#onEnded(reason.info);

  /** Starts playing `stream` on `connection`; `onEnded` is told the publisher's reason when the stream closes. */
  constructor(connection: RtmpConnection, stream: HubStream, options: HubPlaybackOptions, onEnded: (reason: string) => void) {
    this.#stream = stream;
    this.#onEnded = onEnded;
    this.#input = new ReaderInput(stream, {
      label: 'player',
      codecs: ['h264', 'aac'],
      limits: { maxBytes: MAX_QUEUED_BYTES, maxMs: options.maxQueuedMs },
    });
    stream.once('close', this.#onStreamClose);
    new RtmpPlaySink(connection, options.messageStreamId).run(this.#input, this.#abort.signal).catch((error: unknown) => {
      // The connection went away: the session ends the playback itself; only a surprise is worth a line.
      if (!connection.closed) options.logger.warn({ err: error }, 'player output failed');
    });
  }

  /** Frames skipped because the player was too slow. */
  get droppedFrames(): number {
    return this.#input.droppedFrames;
  }

  /** Stops reading the stream (the player left or stopped). Idempotent. */
  stop(): void {
    this.#stream.off('close', this.#onStreamClose);
    this.#abort.abort(STOP_GRACEFULLY);
    this.#input.close();
  }
}
