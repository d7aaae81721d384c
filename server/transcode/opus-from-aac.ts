import type { CodecPool } from '../codec/codec-pool';
import type { Frame } from '../hub/frame';
import type { StreamReader } from '../hub/reader';
import type { HubStream } from '../hub/stream';
import type { Deriver, TrackDerivation } from '../hub/track-derivation';
import type { AacParams, Track } from '../hub/track';
import type { Logger } from '../log';
import { aacFrameDuration48k, AacToOpusTranscoder, opusFromAacParams } from './aac-to-opus';
import type { BatchTicker } from './batch-ticker';

/** After a transcoder failure, wait this long before starting another, ms. */
const RESTART_DELAY_MS = 1000;
/** The transcoder's reader queue: AAC is ~16 kB/s, so this is only reached when the transcoder stalls. */
const READER_LIMITS = { maxBytes: 1024 * 1024, maxMs: 2000 };

/** Options of the Opus-from-AAC derivation. */
export interface OpusFromAacOptions {
  /** The codec workers that do the work. */
  pool: CodecPool;
  /** The batch clock the transcoders share (the one of the AAC-from-Opus derivation will do). */
  batches: BatchTicker;
}

/** Opus 48 kHz made from a stream's AAC track (RTMP), once per stream, while a reader wants it (WebRTC viewers). */
export function opusFromAac(options: OpusFromAacOptions): TrackDerivation {
  return {
    from: 'aac',
    to: 'opus',
    timescale: 48000,
    params: (source) => (source.params?.codec === 'aac' ? opusFromAacParams(source.params) : undefined),
    start: (stream, source, target, logger) => new OpusFromAac(stream, source, target, options, logger),
  };
}

/**
 * One running AAC→Opus derivation: a reader of the AAC track, one codec session, Opus packets
 * written back into the stream. Nothing is made until the AAC track has its configuration; when
 * the configuration changes (a new sequence header), a new session takes over.
 */
class OpusFromAac implements Deriver {
  readonly #stream: HubStream;
  readonly #source: Track;
  readonly #target: Track;
  readonly #options: OpusFromAacOptions;
  readonly #log: Logger;
  readonly #reader: StreamReader;
  #transcoder: AacToOpusTranscoder | undefined;
  /** The AAC configuration the transcoder (or the lack of one) is for. */
  #aac: AacParams | undefined;
  #restartNotBefore = 0;
  #closed = false;

  constructor(stream: HubStream, source: Track, target: Track, options: OpusFromAacOptions, logger: Logger) {
    this.#stream = stream;
    this.#source = source;
    this.#target = target;
    this.#options = options;
    this.#log = logger;
    this.#reader = stream.addReader({ label: 'opus-from-aac', codecs: [source.codec], fromCache: false, limits: READER_LIMITS });
    this.#reader.start((frames) => this.#onAac(frames));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
    this.#stop();
  }

  #onAac(frames: readonly Frame[]): void {
    const aac = this.#source.params;
    if (aac?.codec !== 'aac') return; // no AudioSpecificConfig yet: nothing can be decoded
    if (!this.#aac?.config.equals(aac.config)) this.#configure(aac);
    if (!this.#transcoder && performance.now() >= this.#restartNotBefore) this.#start(aac);
    const transcoder = this.#transcoder;
    if (!transcoder) return;
    for (const frame of frames) transcoder.push(frame.data, frame.pts, frame.receivedAt ?? performance.now(), frame.wallClock);
  }

  /** A first or new AAC configuration: the Opus parameters follow it, and the next session is for it. */
  #configure(aac: AacParams): void {
    if (this.#aac) this.#log.info('AAC configuration changed: a new AAC to Opus transcoder takes over');
    this.#stop();
    this.#aac = aac;
    this.#restartNotBefore = 0;
    if (aacFrameDuration48k(aac) === undefined) {
      this.#log.warn({ audioSpecificConfig: aac.config.toString('hex') }, 'AAC is not AAC-LC or HE-AAC: no Opus is made from it');
      this.#restartNotBefore = Infinity;
    }
    // Also when the source changed while no deriver ran (the made track outlives its derivers).
    const params = opusFromAacParams(aac);
    if (this.#target.params?.codec !== 'opus' || this.#target.params.channels !== params.channels) this.#stream.setParams(this.#target, params);
  }

  #start(aac: AacParams): void {
    const transcoder = new AacToOpusTranscoder({ ...this.#options, aac, timescale: this.#source.timescale });
    this.#transcoder = transcoder;
    this.#log.info({ codecSession: transcoder.sessionId, channels: opusFromAacParams(aac).channels }, 'AAC to Opus transcoder started');
    transcoder.on('packet', (opus) => {
      this.#stream.write({ track: this.#target, pts: opus.pts, dts: opus.pts, keyframe: true, data: opus.data, wallClock: opus.wallClock, receivedAt: opus.receivedAt });
    });
    transcoder.on('failed', (reason, workerLost) => {
      this.#log.error({ err: reason, codecSession: transcoder.sessionId }, 'AAC to Opus transcoder failed; restarting');
      if (this.#transcoder === transcoder) this.#transcoder = undefined;
      // A lost worker is replaced (or another takes over) at once; a failing codec is given a pause.
      this.#restartNotBefore = workerLost ? 0 : performance.now() + RESTART_DELAY_MS;
    });
  }

  #stop(): void {
    const transcoder = this.#transcoder;
    if (!transcoder) return;
    this.#transcoder = undefined;
    this.#log.info('AAC to Opus transcoder stopped');
    transcoder.close();
  }
}
