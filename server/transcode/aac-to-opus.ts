import type { CodecPool } from '../codec/codec-pool';
import type { CodecSession, SessionOutput } from '../codec/codec-session';
import { TypedEmitter } from '../events/typed-emitter';
import type { AacParams, OpusParams } from '../hub/track';
import { AAC_LC, parseAudioSpecificConfig } from '../media/aac/audio-specific-config';
import type { BatchTicker } from './batch-ticker';

const RATE = 48000;
/** The codec worker's Opus packets are 20 ms. */
const OPUS_PACKET_SAMPLES = 960;
/** Opus bitrate of a stereo track, bit/s; a mono one gets half, the same bits per channel. Plenty for music at 48 kHz. */
const OPUS_STEREO_BITRATE_BPS = 64_000;
/**
 * Input times may wander this far from the sample count before the output follows them, 48 kHz
 * units (40 ms): RTMP's millisecond rounding and a publisher's jitter stay below it; a pause, a
 * lost frame or a clock step goes beyond.
 */
const MAX_DRIFT_SAMPLES = 1920;
/** Output that would overlap what was sent by up to this much (the input's clock stepped back a little) is dropped, 48 kHz units. */
const MAX_OVERLAP_SAMPLES = 9600;
/** Recent input frames and clock steps remembered to place output (a few seconds' worth). */
const MAX_REMEMBERED = 64;
const SAMPLES_PER_AAC_FRAME = 1024;

/** The Opus the gateway makes from AAC: 48 kHz, stereo unless the AAC is mono. */
export function opusFromAacParams(aac: AacParams): OpusParams {
  return { codec: 'opus', channels: aac.channels === 1 ? 1 : 2 };
}

/**
 * Duration of one frame of an AAC track, 48 kHz units: 1024 samples at the core rate (also under
 * SBR, which doubles both). Undefined unless its configuration is AAC-LC or HE-AAC, the only ones
 * the codec worker takes.
 */
export function aacFrameDuration48k(aac: AacParams): number | undefined {
  try {
    const asc = parseAudioSpecificConfig(aac.config);
    return asc.objectType === AAC_LC && asc.sampleRate > 0 ? (SAMPLES_PER_AAC_FRAME * RATE) / asc.sampleRate : undefined;
  } catch {
    return undefined;
  }
}

/** Options of an AacToOpusTranscoder. */
export interface AacToOpusOptions {
  /** The codec workers that do the work. */
  pool: CodecPool;
  /** When gathered AAC frames are handed to the codec worker: one tick for all transcoders. */
  batches: BatchTicker;
  /** The AAC track's parameters (checked with aacFrameDuration48k). */
  aac: AacParams;
  /** Units per second of the AAC frames' times (1000 for RTMP). */
  timescale: number;
}

/** One Opus packet out of the transcoder. */
export interface TranscodedOpus {
  /** Time of its first sample on the input's clock, 48 kHz units. */
  readonly pts: number;
  /** One 20 ms Opus packet. */
  readonly data: Buffer;
  /** `performance.now()` at the arrival of the input frame that completed it, ms. */
  readonly receivedAt: number | undefined;
  /** Unix ms of that input frame. */
  readonly wallClock: number;
}

/** Events of an AacToOpusTranscoder. */
export type AacToOpusEvents = {
  packet: [packet: TranscodedOpus];
  /** The codec session ended on its own (not through close()); `workerLost` when its worker died. */
  failed: [reason: string, workerLost: boolean];
};

/** From this input sample on (48 kHz units since the first), input sample n is at time `origin` + n. */
interface ClockSegment {
  readonly fromSample: number;
  readonly origin: number;
}

/**
 * AAC frames in, 20 ms Opus packets out, through one codec session per source stream (its readers
 * share the result). The worker stamps each packet with its first input sample (48 kHz units);
 * this maps it onto the input's clock. While the input times follow the sample count, so do the
 * output's; when they leave it (a pause, a lost frame, a clock step) the output restarts at the
 * new time: a jump forward leaves a gap, a small step back drops the packets that would overlap,
 * a large one (beyond MAX_OVERLAP_SAMPLES) is followed like the source's own step.
 */
export class AacToOpusTranscoder extends TypedEmitter<AacToOpusEvents> {
  readonly #session: CodecSession;
  readonly #batches: BatchTicker;
  readonly #flushBatch = (): void => this.#flush();
  /** Units of the input's times per 48 kHz sample. */
  readonly #toRate: number;
  readonly #frameSamples: number;
  /** Input samples so far, 48 kHz units (fractional at 44.1 kHz). */
  #inputSamples = 0;
  /** The clock's segments still needed to place output; the last one is the current. */
  #segments: ClockSegment[] = [];
  /** (end sample, receivedAt, wallClock) of recent input frames, to stamp packets with their arrival. */
  readonly #arrivals: Array<[number, number, number]> = [];
  /** End (48 kHz units) of the last packet emitted. */
  #sentUntil = -Infinity;
  /** Frames waiting for the next tick of the batch clock. */
  #batch: Buffer[] = [];
  #closed = false;

  constructor(options: AacToOpusOptions) {
    super();
    const frameSamples = aacFrameDuration48k(options.aac);
    if (frameSamples === undefined) throw new Error('the AAC configuration is not AAC-LC or HE-AAC');
    this.#frameSamples = frameSamples;
    this.#toRate = RATE / options.timescale;
    this.#batches = options.batches;
    const { config, sampleRate, channels } = options.aac;
    const opusChannels = opusFromAacParams(options.aac).channels;
    this.#session = options.pool.open({
      kind: 'aac-to-opus',
      sampleRate,
      channels: Math.min(Math.max(channels, 1), 8),
      audioSpecificConfig: config,
      bitrateBps: (OPUS_STEREO_BITRATE_BPS * opusChannels) / 2,
    });
    this.#session.on('output', (output) => this.#onOutput(output));
    this.#session.on('failed', (reason, workerLost) => {
      if (!this.#closed) this.emit('failed', reason, workerLost);
    });
  }

  /** The codec session's id, for logs. */
  get sessionId(): number {
    return this.#session.id;
  }

  /** One raw AAC frame at input time `pts` (the track's units), which arrived at `receivedAt` (performance.now()). */
  push(frame: Buffer, pts: number, receivedAt: number, wallClock: number): void {
    if (this.#closed || frame.length === 0) return;
    const time = pts * this.#toRate;
    const current = this.#segments.at(-1);
    const gap = current ? time - (current.origin + this.#inputSamples) : 0;
    if (!current || Math.abs(gap) > MAX_DRIFT_SAMPLES) {
      this.#segments.push({ fromSample: this.#inputSamples, origin: time - this.#inputSamples });
      if (this.#segments.length > MAX_REMEMBERED) this.#segments.shift();
    }
    this.#batch.push(frame);
    this.#batches.schedule(this.#flushBatch);
    this.#inputSamples += this.#frameSamples;
    this.#arrivals.push([this.#inputSamples, receivedAt, wallClock]);
    if (this.#arrivals.length > MAX_REMEMBERED) this.#arrivals.shift();
  }

  /** Ends the codec session; no more packets are emitted. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batches.cancel(this.#flushBatch);
    this.#session.close();
  }

  #flush(): void {
    if (this.#closed) return;
    for (const frame of this.#batch) this.#session.push(0, frame);
    this.#batch = [];
  }

  #onOutput(output: SessionOutput): void {
    if (this.#closed) return;
    const startSample = output.pts;
    // The pre-skip puts the first packet before sample 0: it belongs to the first segment.
    while (this.#segments.length > 1 && this.#segments[1]!.fromSample <= startSample) this.#segments.shift();
    const segment = this.#segments[0];
    if (!segment) return;
    const pts = Math.round(segment.origin + startSample);
    const overlap = this.#sentUntil - pts;
    if (overlap > 0 && overlap <= MAX_OVERLAP_SAMPLES) return;
    this.#sentUntil = pts + OPUS_PACKET_SAMPLES;
    const [, receivedAt, wallClock] = this.#arrivalOf(startSample + OPUS_PACKET_SAMPLES);
    this.emit('packet', { pts, data: output.data, receivedAt, wallClock });
  }

  /** Arrival of the input frame that completed input sample `sample`. */
  #arrivalOf(sample: number): [number, number | undefined, number] {
    for (const arrival of this.#arrivals) if (arrival[0] >= sample) return arrival;
    return this.#arrivals.at(-1) ?? [sample, undefined, Date.now()];
  }
}
