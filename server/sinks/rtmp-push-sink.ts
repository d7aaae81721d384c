import { RtmpPublishClient, type RtmpPublishClientOptions } from '../rtmp/client';
import { RtmpClientError } from '../rtmp/client-errors';
import { FlvMuxer, flvHandlers, type FrameLatencyListener } from './flv-muxer';
import { redactKey, rejectionHint } from './rtmp-target';
import { STOP_GRACEFULLY, type Sink, type SinkInput, type SinkStats } from './sink';

/** Options of one push session. */
export interface RtmpPushSinkOptions extends RtmpPublishClientOptions {
  /** Told the time each frame spent in the gateway, from arrival to the socket, ms. */
  readonly onFrameWritten?: FrameLatencyListener;
}

/**
 * One RTMP publish session (rtmp:// or rtmps://): connects, then writes onMetaData, the sequence
 * headers and the frames of its input as FLV tags; pauses its input while the socket is congested.
 * Single-shot, like every sink: the push task opens a new one to retry.
 */
export class RtmpPushSink implements Sink {
  readonly #options: RtmpPushSinkOptions;
  readonly #client: RtmpPublishClient;
  readonly #muxer: FlvMuxer;

  constructor(options: RtmpPushSinkOptions) {
    this.#options = options;
    this.#client = new RtmpPublishClient(options);
    const client = this.#client;
    this.#muxer = new FlvMuxer({
      sendVideo: (ts, body) => client.sendVideo(ts, body),
      sendAudio: (ts, body) => client.sendAudio(ts, body),
      sendMetadata: (metadata) => client.sendMetadata(metadata),
      batch: (sends) => client.batch(sends),
    }, options.onFrameWritten);
  }

  get stats(): SinkStats {
    return { bytesSent: this.#client.bytesSent, pendingBytes: this.#client.bufferedBytes, framesSent: this.#muxer.framesSent };
  }

  async run(input: SinkInput, signal: AbortSignal): Promise<void> {
    try {
      await this.#client.connect(signal);
    } catch (error) {
      if (signal.aborted) return;
      throw this.#explained(error);
    }
    const client = this.#client;
    const muxer = this.#muxer;
    await new Promise<void>((resolve, reject) => {
      let stopping = false;
      client.on('close', (error) => {
        if (!stopping) reject(error ?? new Error('the connection closed'));
      });
      const stop = (): void => {
        stopping = true;
        if (signal.reason === STOP_GRACEFULLY) {
          muxer.flush();
          void client.close().then(resolve);
        } else {
          client.destroy();
          resolve();
        }
      };
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      client.on('drain', () => input.resume());
      input.start(flvHandlers(muxer, input, () => client.bufferedBytes));
      muxer.announce(input.tracks);
    });
  }

  /** A refused connect or publish, with what the refusal most likely means put first (see rejectionHint). */
  #explained(error: unknown): unknown {
    if (!(error instanceof RtmpClientError) || (error.code !== 'CONNECT_REJECTED' && error.code !== 'PUBLISH_REJECTED')) return error;
    const { target, streamName } = this.#options;
    const hint = rejectionHint(error.code === 'CONNECT_REJECTED' ? 'connect' : 'publish', target, streamName);
    // A server may quote the name it refused: a stream key is shown shortened there too.
    const said = target.streamName === undefined ? error.message : error.message.replaceAll(streamName, redactKey(streamName));
    return new RtmpClientError(error.code, `${hint} (${said})`, { cause: error });
  }
}
