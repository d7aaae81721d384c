import { TypedEmitter } from '../events/typed-emitter';
import type { AudioFrame, AudioTrackInfo } from '../hub/frame';
import { AdtsParser } from '../media/aac/adts-parser';
import { AAC_LC, buildAudioSpecificConfig } from '../media/aac/audio-specific-config';
import { OggOpusWriter } from '../media/containers/ogg-opus-writer';
import { opusLossPacket, opusPacketSamples } from '../media/opus/opus-packet';
import { FfmpegProcess } from './ffmpeg-process';

/** The AAC the gateway makes from Opus: AAC-LC, 48 kHz (Opus' own rate, so no resampling), stereo. */
export const AAC_FROM_OPUS: AudioTrackInfo = {
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

/**
 * Time on the stream clock (ms) of an extended RTP timestamp (48 kHz). Asked for each AAC frame
 * when it comes out, so a mapping that changed meanwhile (the first RTCP sender report) applies.
 */
export type RtpTimeToMs = (extendedRtpTimestamp: number) => number;

/** Events of an OpusToAacTranscoder. */
export type OpusToAacEvents = {
  frame: [frame: AudioFrame];
  /** ffmpeg ended on its own (not through close()). */
  failed: [reason: string];
};

/**
 * Opus packets in, AAC frames out, through one ffmpeg per source stream (its transponders share
 * the result). Opus goes in as an Ogg stream whose granule positions follow the RTP timestamps,
 * with gaps filled by concealment packets, so the decoded audio is sample-continuous. AAC comes
 * back as ADTS; frame k covers input samples [(k-1)·1024, k·1024) (the encoder's first frame is its
 * priming), so each frame's RTP time is exact, and its pts comes from the stream's RTP clock
 * without trusting ffmpeg's.
 */
export class OpusToAacTranscoder extends TypedEmitter<OpusToAacEvents> {
  readonly #process: FfmpegProcess;
  readonly #ogg = new OggOpusWriter({ channels: 2 });
  readonly #adts = new AdtsParser();
  readonly #timeOf: RtpTimeToMs;
  #started = false;
  /** Extended RTP timestamp (48 kHz) of input sample 0. */
  #originSample = 0;
  /** Extended RTP timestamp expected next. */
  #nextSample = 0;
  #lastToc = 0;
  #framesOut = 0;
  /** (end sample, receivedAt) of recent input packets, to stamp output frames with their arrival time. */
  readonly #arrivals: Array<[number, number]> = [];
  /** Ogg pages waiting to be written as one batch, and the samples they hold. */
  #batch: Buffer[] = [];
  #batchSamples = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  readonly #batchSamplesMax: number;
  readonly #batchMs: number;
  #closed = false;
  /** Packets dropped because ffmpeg was not keeping up. */
  droppedPackets = 0;

  constructor(options: OpusToAacOptions, timeOf: RtpTimeToMs) {
    super();
    this.#timeOf = timeOf;
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

  /**
   * One Opus packet: `extendedTimestamp` is its unwrapped RTP timestamp (48 kHz), `receivedAt` its
   * arrival (performance.now()).
   */
  push(packet: Buffer, extendedTimestamp: number, receivedAt: number): void {
    if (this.#closed || packet.length === 0) return;
    if (!this.#started) {
      this.#started = true;
      this.#originSample = extendedTimestamp;
      this.#nextSample = extendedTimestamp;
    }
    const gap = extendedTimestamp - this.#nextSample;
    if (gap < 0) return; // duplicate or late packet: its slot is already filled
    if (gap > MAX_FILL_SAMPLES) {
      // The source paused for a long time: rather than feed minutes of silence, the input continues
      // here, so input sample n now stands for RTP time n + the new origin.
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
    this.#nextSample = extendedTimestamp + samples;
    this.#arrivals.push([this.#nextSample - this.#originSample, receivedAt]);
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
      this.emit('frame', {
        kind: 'audio',
        codec: 'aac',
        pts: this.#timeOf(this.#originSample + startSample),
        data: aac.data,
        receivedAt: this.#arrivalOf(startSample + SAMPLES_PER_AAC_FRAME),
      });
    }
  }

  /** Arrival time of the input packet that completed input sample `sample`. */
  #arrivalOf(sample: number): number {
    for (const [end, receivedAt] of this.#arrivals) if (end >= sample) return receivedAt;
    return this.#arrivals.at(-1)?.[1] ?? performance.now();
  }
}
