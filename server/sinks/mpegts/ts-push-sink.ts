import type { Logger } from '../../log';
import type { FrameLatencyListener } from '../flv-muxer';
import { STOP_GRACEFULLY, type Sink, type SinkInput, type SinkStats } from '../sink';
import { TsFrameWriter } from './ts-frame-writer';
import { TS_HIGH_WATER_BYTES, type TsTransport } from './ts-transport';

/**
 * One MPEG-TS push session, over any transport (UDP datagrams, an SRT connection): opens the
 * transport, then muxes the frames of its input into it; the input pauses while the transport
 * holds more than its high-water mark. Single-shot, like every sink.
 */
export class TsPushSink implements Sink {
  readonly #transport: TsTransport;
  readonly #writer: TsFrameWriter;
  readonly #log: Logger;

  constructor(transport: TsTransport, logger: Logger, onFrameWritten?: FrameLatencyListener) {
    this.#transport = transport;
    this.#log = logger;
    this.#writer = new TsFrameWriter((packets, mediaMs) => transport.write(packets, mediaMs), onFrameWritten);
  }

  get stats(): SinkStats {
    return { bytesSent: this.#transport.bytesSent, pendingBytes: this.#transport.pendingBytes, framesSent: this.#writer.framesSent };
  }

  async run(input: SinkInput, signal: AbortSignal): Promise<void> {
    const transport = this.#transport;
    try {
      await transport.open(signal);
    } catch (error) {
      await transport.close(false);
      if (signal.aborted) return;
      throw error;
    }
    if (signal.aborted) return transport.close(false);
    const writer = this.#writer;
    await new Promise<void>((resolve, reject) => {
      let stopping = false;
      let nextRefusalLog = 1;
      transport.on('close', (error) => {
        if (!stopping) reject(error ?? new Error('the output ended'));
      });
      signal.addEventListener('abort', () => {
        stopping = true;
        void transport.close(signal.reason === STOP_GRACEFULLY).then(resolve);
      }, { once: true });
      transport.on('drain', () => input.resume());
      writer.tracks(input.tracks);
      input.start({
        frames: (frames) => {
          writer.write(frames);
          if (writer.refusedFrames >= nextRefusalLog) {
            // Logged at 1, 10, 100... refusals: a publisher sending garbage cannot flood the log.
            nextRefusalLog = writer.refusedFrames * 10;
            this.#log.warn({ refusedFrames: writer.refusedFrames, reason: writer.lastRefusal }, 'malformed frames left out of the MPEG-TS output');
          }
          if (transport.pendingBytes > TS_HIGH_WATER_BYTES) input.pause();
        },
        tracks: (tracks) => writer.tracks(tracks),
      });
    });
  }
}
