import type { RtpPacket } from 'werift';
import type { HubStream } from '../hub/stream';
import type { Logger } from '../log';
import { AAC_FROM_OPUS, OpusToAacTranscoder, type OpusToAacOptions } from '../transcode/opus-to-aac';
import type { RtpClock } from './rtp-clock';

/** A transcoder whose readers all left is kept this long in case one comes back, ms. */
const IDLE_LINGER_MS = 5000;
/** After a transcoder failure, wait this long before starting another, ms. */
const RESTART_DELAY_MS = 1000;

/**
 * The audio track of a WebRTC publisher: Opus RTP becomes AAC in the hub through ONE transcoder
 * per stream, shared by all its readers. It runs only while some reader wants audio, so a
 * stream nobody republishes costs no ffmpeg.
 */
export class AudioIngest {
  readonly #stream: HubStream;
  readonly #clock: RtpClock;
  readonly #options: OpusToAacOptions;
  readonly #log: Logger;
  #transcoder: OpusToAacTranscoder | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #restartNotBefore = 0;
  #closed = false;

  constructor(stream: HubStream, clock: RtpClock, options: OpusToAacOptions, logger: Logger) {
    this.#stream = stream;
    this.#clock = clock;
    this.#options = options;
    this.#log = logger;
    stream.setAudioInfo(AAC_FROM_OPUS);
    stream.on('audio-demand', (wanted) => (wanted ? this.#onDemand() : this.#onIdle()));
    if (stream.audioWanted) this.#onDemand();
  }

  /** ffmpeg pid of the running transcoder, if any. */
  get transcoderPid(): number | undefined {
    return this.#transcoder?.pid;
  }

  /** One RTP packet of the audio track, as werift delivers it. */
  onRtp(rtp: RtpPacket): void {
    const receivedAt = performance.now();
    const extended = this.#clock.extend(rtp.header.timestamp);
    this.#clock.toMs(extended, receivedAt); // anchors the clock on the first packet
    if (!this.#transcoder && this.#stream.audioWanted && !this.#closed && receivedAt >= this.#restartNotBefore) this.#start();
    this.#transcoder?.push(rtp.payload, extended, receivedAt);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#lingerTimer);
    this.#stop();
  }

  #onDemand(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }

  #onIdle(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = setTimeout(() => this.#stop(), IDLE_LINGER_MS);
  }

  #start(): void {
    const transcoder = new OpusToAacTranscoder(this.#options, (extended) => this.#clock.msAt(extended));
    this.#transcoder = transcoder;
    this.#log.info({ pid: transcoder.pid }, 'Opus to AAC transcoder started');
    transcoder.on('frame', (frame) => this.#stream.write(frame));
    transcoder.on('failed', (reason) => {
      this.#log.error({ err: reason }, 'Opus to AAC transcoder failed; restarting');
      if (this.#transcoder === transcoder) this.#transcoder = undefined;
      this.#restartNotBefore = performance.now() + RESTART_DELAY_MS;
    });
  }

  #stop(): void {
    const transcoder = this.#transcoder;
    if (!transcoder) return;
    this.#transcoder = undefined;
    this.#log.info('Opus to AAC transcoder stopped');
    void transcoder.close();
  }
}
