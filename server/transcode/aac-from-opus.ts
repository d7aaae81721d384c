import type { Frame } from '../hub/frame';
import type { StreamReader } from '../hub/reader';
import type { HubStream } from '../hub/stream';
import type { Deriver, TrackDerivation } from '../hub/track-derivation';
import type { Track } from '../hub/track';
import type { Logger } from '../log';
import { aacFromOpusParams, OpusToAacTranscoder, type OpusToAacOptions } from './opus-to-aac';

/** After a transcoder failure, wait this long before starting another, ms. */
const RESTART_DELAY_MS = 1000;
/** The transcoder's reader queue: Opus is ~16 kB/s, so this is only reached when the transcoder stalls. */
const READER_LIMITS = { maxBytes: 1024 * 1024, maxMs: 2000 };

/** Options of the AAC-from-Opus derivation: the transcoders', and how many channels to make. */
export interface AacFromOpusOptions extends Omit<OpusToAacOptions, 'channels'> {
  /** Of a stereo AAC; a mono one gets half, the same bits per channel. */
  bitrateBps: number;
  /** auto: as many as the Opus track has (mono unless the publisher negotiated or sends stereo); or always 1 or 2. */
  channels: 'auto' | 1 | 2;
}

/** AAC-LC 48 kHz made from a stream's Opus track, once per stream, while a reader wants it (pushes, players). */
export function aacFromOpus(options: AacFromOpusOptions): TrackDerivation {
  return {
    from: 'opus',
    to: 'aac',
    timescale: 48000,
    params: (source) => aacFromOpusParams(aacChannels(options.channels, source)),
    start: (stream, source, target, logger) => new AacFromOpus(stream, source, target, options, logger),
  };
}

/** The AAC channels for an Opus track: as set, or with auto as many as the track has now. */
function aacChannels(setting: AacFromOpusOptions['channels'], source: Track): 1 | 2 {
  if (setting !== 'auto') return setting;
  return source.params?.codec === 'opus' && source.params.channels === 1 ? 1 : 2;
}

/**
 * One running Opus→AAC derivation: a reader of the Opus track, one codec session, AAC frames
 * written back into the stream. When the Opus track turns stereo (its first stereo packet), the
 * AAC follows: new parameters, and a new session.
 */
class AacFromOpus implements Deriver {
  readonly #stream: HubStream;
  readonly #source: Track;
  readonly #target: Track;
  readonly #options: AacFromOpusOptions;
  readonly #log: Logger;
  readonly #reader: StreamReader;
  #transcoder: OpusToAacTranscoder | undefined;
  #channels: 1 | 2;
  #restartNotBefore = 0;
  #closed = false;

  constructor(stream: HubStream, source: Track, target: Track, options: AacFromOpusOptions, logger: Logger) {
    this.#stream = stream;
    this.#source = source;
    this.#target = target;
    this.#options = options;
    this.#log = logger;
    this.#channels = aacChannels(options.channels, source);
    this.#reader = stream.addReader({ label: 'aac-from-opus', codecs: [source.codec], fromCache: false, limits: READER_LIMITS });
    this.#reader.start((frames) => this.#onOpus(frames));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
    this.#stop();
  }

  #onOpus(frames: readonly Frame[]): void {
    const channels = aacChannels(this.#options.channels, this.#source);
    if (channels !== this.#channels) {
      this.#log.info({ channels }, 'Opus turned stereo: the AAC follows');
      this.#stop();
      this.#channels = channels;
    }
    // Also when the source turned stereo while no deriver ran (the made track outlives its derivers).
    const params = this.#target.params;
    if (params?.codec !== 'aac' || params.channels !== channels) this.#stream.setParams(this.#target, aacFromOpusParams(channels));
    if (!this.#transcoder && performance.now() >= this.#restartNotBefore) this.#start();
    const transcoder = this.#transcoder;
    if (!transcoder) return;
    for (const frame of frames) transcoder.push(frame.data, frame.pts, frame.receivedAt ?? performance.now(), frame.wallClock);
  }

  #start(): void {
    const channels = this.#channels;
    // FFmpeg's encoder asked for more bits than a mono signal can use (128 kbit/s) spends up to
    // three times the CPU looking for a way to spend them: measured on a steady tone.
    const bitrateBps = Math.round((this.#options.bitrateBps * channels) / 2);
    const transcoder = new OpusToAacTranscoder({ ...this.#options, channels, bitrateBps });
    this.#transcoder = transcoder;
    this.#log.info({ codecSession: transcoder.sessionId, channels, bitrateBps }, 'Opus to AAC transcoder started');
    transcoder.on('frame', (aac) => {
      this.#stream.write({ track: this.#target, pts: aac.pts, dts: aac.pts, keyframe: true, data: aac.data, wallClock: aac.wallClock, receivedAt: aac.receivedAt });
    });
    transcoder.on('failed', (reason, workerLost) => {
      this.#log.error({ err: reason, codecSession: transcoder.sessionId }, 'Opus to AAC transcoder failed; restarting');
      if (this.#transcoder === transcoder) this.#transcoder = undefined;
      // A lost worker is replaced (or another takes over) at once; a failing codec is given a pause.
      this.#restartNotBefore = workerLost ? 0 : performance.now() + RESTART_DELAY_MS;
    });
  }

  #stop(): void {
    const transcoder = this.#transcoder;
    if (!transcoder) return;
    this.#transcoder = undefined;
    this.#log.info('Opus to AAC transcoder stopped');
    transcoder.close();
  }
}
