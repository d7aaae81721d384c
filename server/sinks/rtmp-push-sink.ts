import { RtmpPublishClient, type RtmpPublishClientOptions } from '../rtmp/client';
import { FlvMuxer, flvHandlers, type FrameLatencyListener } from './flv-muxer';
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
  readonly #client: RtmpPublishClient;
  readonly #muxer: FlvMuxer;

  constructor(options: RtmpPushSinkOptions) {
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
      throw error;
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
}
