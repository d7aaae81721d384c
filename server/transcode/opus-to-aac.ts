import { TypedEmitter } from '../events/typed-emitter';
import type { AacParams } from '../hub/track';
import { AdtsParser } from '../media/aac/adts-parser';
import { AAC_LC, buildAudioSpecificConfig } from '../media/aac/audio-specific-config';
import { OggOpusWriter } from '../media/containers/ogg-opus-writer';
import { opusLossPacket, opusPacketSamples } from '../media/opus/opus-packet';
import { FfmpegProcess } from './ffmpeg-process';

/** The AAC the gateway makes from Opus: AAC-LC, 48 kHz (Opus' own rate, so no resampling), stereo. */
export const AAC_FROM_OPUS: AacParams = {
  codec: 'aac',
  config: buildAudioSpecificConfig(AAC_LC, 48000, 2),
  sampleRate: 48000,
  channels: 2,
};

const SAMPLES_PER_AAC_FRAME = 1024;
/** Lost audio is filled with 20 ms concealment packets. */
const FILL_PACKET_SAMPLES = 960;
/** A gap longer than this (10 s) is not filled: the timeline restarts instead. */
const MAX_FILL_SAMPLES = 48000 * 10;
/** Input queued towards a stalled ffmpeg before packets are dropped, bytes. */
const MAX_PENDING_INPUT = 512 * 1024;

/** Options of an OpusToAacTranscoder. */
export interface OpusToAacOptions {
  ffmpegPath: string;
  /** AAC bitrate, bit/s. */
  bitrateBps: number;
  /**
   * Opus audio gathered before it is written to ffmpeg, ms. Each write wakes ffmpeg with cold
   * caches; 60 ms at a time costs about a third less CPU than every 20 ms packet, for 40 ms more delay.
   */
  batchMs: number;
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
  /** ffmpeg ended on its own (not through close()). */
  failed: [reason: string];
};

/**
 * Opus packets in, AAC frames out, through one ffmpeg per source stream (its readers share the
 * result). Opus goes in as an Ogg stream whose granule positions follow the packets' times, with
 * gaps filled by concealment packets, so the decoded audio is sample-continuous. AAC comes back as
 * ADTS; frame k covers input samples [(k-1)·1024, k·1024) (the encoder's first frame is its
 * priming), so each frame's time is exact, without trusting ffmpeg's.
 *
 * Input times only move forward (the ingest drops late packets), except when the stream clock
 * steps back once (a WebRTC track's first sender report): then the samples go on and the times of
 * the frames still to come follow the new clock.
 */
export class OpusToAacTranscoder extends TypedEmitter<OpusToAacEvents> {
  readonly #process: FfmpegProcess;
  readonly #ogg = new OggOpusWriter({ channels: 2 });
  readonly #adts = new AdtsParser();
  #started = false;
  /** Input time (48 kHz units) of input sample 0. */
  #originSample = 0;
  /** Input time expected next. */
  #nextSample = 0;
  #lastToc = 0;
  #framesOut = 0;
  /** (end sample, receivedAt, wallClock) of recent input packets, to stamp output frames with their arrival. */
  readonly #arrivals: Array<[number, number, number]> = [];
  /** Ogg pages waiting to be written as one batch, and the samples they hold. */
  #batch: Buffer[] = [];
  #batchSamples = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  readonly #batchSamplesMax: number;
  readonly #batchMs: number;
  #closed = false;
  /** Packets dropped because ffmpeg was not keeping up. */
  droppedPackets = 0;

  constructor(options: OpusToAacOptions) {
    super();
    this.#batchMs = options.batchMs;
    this.#batchSamplesMax = (options.batchMs * 48000) / 1000;
    this.#process = new FfmpegProcess({
      ffmpegPath: options.ffmpegPath,
      args: [
        '-probesize', '32', '-analyzeduration', '0',
        '-f', 'ogg', '-i', 'pipe:0',
        // 'fast' without mid/side coding costs 2-4x less CPU than the default ('twoloop' with M/S)
        // on tones, noise and speech alike, at an equal or better SNR at 128 kbit/s. 'fast' with M/S
        // is slower than the default on pure tones.
        '-vn', '-c:a', 'aac', '-aac_coder', 'fast', '-aac_ms', '0', '-b:a', String(options.bitrateBps), '-ar', '48000', '-ac', '2',
        '-flush_packets', '1', '-f', 'adts', 'pipe:1',
      ],
    });
    this.#process.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    this.#process.on('exit', (code, signal, stderr) => {
      if (!this.#closed) this.emit('failed', `ffmpeg exited (${code ?? signal}): ${stderr || 'no message'}`);
    });
    this.#process.stdin.write(this.#ogg.headerPages());
  }
  /** ffmpeg's process id. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** One Opus packet at input time `pts` (48 kHz units), which arrived at `receivedAt` (performance.now()). */
  push(packet: Buffer, pts: number, receivedAt: number, wallClock: number): void {
    if (this.#closed || packet.length === 0) return;
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
        this.#write(opusLossPacket(this.#lastToc, FILL_PACKET_SAMPLES), FILL_PACKET_SAMPLES);
      }
    }
    let samples: number;
    try {
      samples = opusPacketSamples(packet);
    } catch {
      return; // not a valid Opus packet: skip it, the next one fills the gap
    }
    this.#lastToc = packet[0]!;
    this.#write(packet, samples);
    this.#nextSample = pts + samples;
    this.#arrivals.push([this.#nextSample - this.#originSample, receivedAt, wallClock]);
    if (this.#arrivals.length > 64) this.#arrivals.shift();
  }

  /** Stops ffmpeg; no more frames are emitted. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#batchTimer);
    this.#process.kill();
    await this.#process.stop();
  }

  #write(packet: Buffer, samples: number): void {
    if (this.#process.stdin.writableLength > MAX_PENDING_INPUT) {
      this.droppedPackets++;
      return;
    }
    this.#batch.push(this.#ogg.packetPage(packet, samples));
    this.#batchSamples += samples;
    if (this.#batchSamples >= this.#batchSamplesMax) this.#flush();
    // A source that pauses (DTX) must not leave its last packets waiting for the next one.
    else this.#batchTimer ??= setTimeout(() => this.#flush(), this.#batchMs);
  }

  #flush(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    if (this.#closed || this.#batch.length === 0) return;
    const pages = this.#batch;
    this.#batch = [];
    this.#batchSamples = 0;
    this.#process.stdin.write(pages.length === 1 ? pages[0]! : Buffer.concat(pages));
  }

  #onOutput(chunk: Buffer): void {
    for (const aac of this.#adts.push(chunk)) {
      const k = this.#framesOut++;
      if (!this.#started) continue;
      const startSample = (k - 1) * SAMPLES_PER_AAC_FRAME;
      const [, receivedAt, wallClock] = this.#arrivalOf(startSample + SAMPLES_PER_AAC_FRAME);
      this.emit('frame', { pts: this.#originSample + startSample, data: aac.data, receivedAt, wallClock });
    }
  }

  /** Arrival of the input packet that completed input sample `sample`. */
  #arrivalOf(sample: number): [number, number | undefined, number] {
    for (const arrival of this.#arrivals) if (arrival[0] >= sample) return arrival;
    return this.#arrivals.at(-1) ?? [sample, undefined, Date.now()];
  }
}
