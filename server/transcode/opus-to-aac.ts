import type { CodecPool } from '../codec/codec-pool';
import type { CodecSession, SessionOutput } from '../codec/codec-session';
import { TypedEmitter } from '../events/typed-emitter';
import type { AacParams } from '../hub/track';
import { AAC_LC, buildAudioSpecificConfig } from '../media/aac/audio-specific-config';
import { opusLossPacket, opusPacketSamples } from '../media/opus/opus-packet';
import type { BatchTicker } from './batch-ticker';

/** The AAC the gateway makes from Opus: AAC-LC, 48 kHz (Opus' own rate, so no resampling), mono or stereo. */
export function aacFromOpusParams(channels: 1 | 2): AacParams {
  return { codec: 'aac', config: buildAudioSpecificConfig(AAC_LC, 48000, channels), sampleRate: 48000, channels };
}

/** Lost audio is filled with 20 ms concealment packets. */
const FILL_PACKET_SAMPLES = 960;
/** A gap longer than this (10 s) is not filled: the timeline restarts instead. */
const MAX_FILL_SAMPLES = 48000 * 10;
const SAMPLES_PER_AAC_FRAME = 1024;

/** Options of an OpusToAacTranscoder. */
export interface OpusToAacOptions {
  /** The codec workers that do the work. */
  pool: CodecPool;
  /** AAC bitrate, bit/s. */
  bitrateBps: number;
  /** AAC channels: Opus of either layout is mixed to this (a mono AAC costs half the encoder's CPU of a stereo one). */
  channels: 1 | 2;
  /**
   * When gathered Opus audio is handed to the codec worker, every `periodMs` (opus_to_aac_batch) for
   * all streams at once: fewer, larger messages cost less CPU on both sides, for up to that much
   * more delay.
   */
  batches: BatchTicker;
}

/** One AAC frame out of the transcoder. */
export interface TranscodedAac {
  /** Time of its first sample on the input's clock, 48 kHz units. */
  readonly pts: number;
  /** Raw AAC frame (no ADTS header). */
  readonly data: Buffer;
  /** `performance.now()` at the arrival of the input packet that completed it, ms. */
  readonly receivedAt: number | undefined;
  /** Unix ms of that input packet. */
  readonly wallClock: number;
}

/** Events of an OpusToAacTranscoder. */
export type OpusToAacEvents = {
  frame: [frame: TranscodedAac];
  /** The codec session ended on its own (not through close()); `workerLost` when its worker died. */
  failed: [reason: string, workerLost: boolean];
};

/**
 * Opus packets in, AAC frames out, through one codec session per source stream (its readers share
 * the result). Gaps are filled with concealment packets, so the decoded audio is
 * sample-continuous; the worker stamps each AAC frame with its first input sample (the encoder's
 * priming frame first, at -1024), so each frame's time is exact.
 *
 * Input times only move forward (the ingest drops late packets), except when the stream clock
 * steps back once (a WebRTC track's first sender report): then the samples go on and the times of
 * the frames still to come follow the new clock.
 */
export class OpusToAacTranscoder extends TypedEmitter<OpusToAacEvents> {
  readonly #session: CodecSession;
  #started = false;
  /** Input time (48 kHz units) of input sample 0. */
  #originSample = 0;
  /** Input time expected next. */
  #nextSample = 0;
  #lastToc = 0;
  /** (end sample, receivedAt, wallClock) of recent input packets, to stamp output frames with their arrival. */
  readonly #arrivals: Array<[number, number, number]> = [];
  /** Packets waiting for the next tick of the batch clock. */
  #batch: Buffer[] = [];
  readonly #batches: BatchTicker;
  readonly #flushBatch = (): void => this.#flush();
  #closed = false;

  constructor(options: OpusToAacOptions) {
    super();
    this.#batches = options.batches;
    this.#session = options.pool.open({ kind: 'opus-to-aac', bitrateBps: options.bitrateBps, channels: options.channels });
    this.#session.on('output', (output) => this.#onOutput(output));
    this.#session.on('failed', (reason, workerLost) => {
      if (!this.#closed) this.emit('failed', reason, workerLost);
    });
  }

  /** The codec session's id, for logs. */
  get sessionId(): number {
    return this.#session.id;
  }

  /** One Opus packet at input time `pts` (48 kHz units), which arrived at `receivedAt` (performance.now()). */
  push(packet: Buffer, pts: number, receivedAt: number, wallClock: number): void {
    if (this.#closed || packet.length === 0) return;
    let samples: number;
    try {
      samples = opusPacketSamples(packet);
    } catch {
      return; // not a valid Opus packet: skip it, the next one fills the gap
    }
    if (!this.#started) {
      this.#started = true;
      this.#originSample = pts;
      this.#nextSample = pts;
    }
    const gap = pts - this.#nextSample;
    if (gap < 0 || gap > MAX_FILL_SAMPLES) {
      // The clock stepped back, or the source paused for a long time: rather than drop or feed
      // minutes of silence, the input continues here, so input sample n now stands for time n + the new origin.
      this.#originSample += gap;
    } else {
      for (let filled = 0; filled + FILL_PACKET_SAMPLES / 2 < gap; filled += FILL_PACKET_SAMPLES) {
        this.#write(opusLossPacket(this.#lastToc, FILL_PACKET_SAMPLES));
      }
    }
    this.#lastToc = packet[0]!;
    this.#write(packet);
    this.#nextSample = pts + samples;
    this.#arrivals.push([this.#nextSample - this.#originSample, receivedAt, wallClock]);
    if (this.#arrivals.length > 64) this.#arrivals.shift();
  }

  /** Ends the codec session; no more frames are emitted. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batches.cancel(this.#flushBatch);
    this.#session.close();
  }

  #write(packet: Buffer): void {
    this.#batch.push(packet);
    this.#batches.schedule(this.#flushBatch);
  }

  #flush(): void {
    if (this.#closed) return;
    for (const packet of this.#batch) this.#session.push(0, packet);
    this.#batch = [];
  }

  #onOutput(output: SessionOutput): void {
    if (this.#closed) return;
    const startSample = output.pts;
    const [, receivedAt, wallClock] = this.#arrivalOf(startSample + SAMPLES_PER_AAC_FRAME);
    this.emit('frame', { pts: this.#originSample + startSample, data: output.data, receivedAt, wallClock });
  }

  /** Arrival of the input packet that completed input sample `sample`. */
  #arrivalOf(sample: number): [number, number | undefined, number] {
    for (const arrival of this.#arrivals) if (arrival[0] >= sample) return arrival;
    return this.#arrivals.at(-1) ?? [sample, undefined, Date.now()];
  }
}
