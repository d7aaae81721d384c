import { OPUS_CLOCK_RATE, opusPacketSamples } from '../opus/opus-packet';
import { buildOggPage, OggPageFlag } from './ogg-page';

/** Settings of an Ogg Opus stream. */
export interface OggOpusWriterOptions {
  /** Channel count announced in OpusHead, 1 or 2. Default 2. */
  readonly channels?: 1 | 2;
  /** Samples the decoder must discard at the start (encoder delay), 48 kHz samples. Default 0. */
  readonly preSkip?: number;
  /** Sample rate of the original input, informational only, Hz. Default 48000. */
  readonly inputSampleRate?: number;
  /** Bitstream serial number of the logical stream. Default 1. */
  readonly serial?: number;
  /** Vendor string of OpusTags. Default 'webrtc-rtmp-gateway'. */
  readonly vendor?: string;
}

/**
 * Writes an Ogg Opus stream (RFC 7845) one page at a time, for piping Opus into ffmpeg:
 * `headerPages()` first, then `packetPage()` per Opus packet. Each page's granule position is the
 * total duration of the packets so far in 48 kHz samples, so gaps must be filled (see
 * `opusLossPacket`) to keep the timeline continuous.
 */
export class OggOpusWriter {
  readonly #channels: 1 | 2;
  readonly #preSkip: number;
  readonly #inputSampleRate: number;
  readonly #serial: number;
  readonly #vendor: string;
  #sequence = 0;
  #granulePosition = 0n;

  constructor(options: OggOpusWriterOptions = {}) {
    this.#channels = options.channels ?? 2;
    this.#preSkip = options.preSkip ?? 0;
    this.#inputSampleRate = options.inputSampleRate ?? OPUS_CLOCK_RATE;
    this.#serial = options.serial ?? 1;
    this.#vendor = options.vendor ?? 'webrtc-rtmp-gateway';
  }

  /** Total duration of the packets written so far, 48 kHz samples. */
  get granulePosition(): bigint {
    return this.#granulePosition;
  }

  /** The two header pages: OpusHead (beginning of stream) and OpusTags. */
  headerPages(): Buffer {
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'latin1');
    head[8] = 1; // version
    head[9] = this.#channels;
    head.writeUInt16LE(this.#preSkip, 10);
    head.writeUInt32LE(this.#inputSampleRate, 12);
    head.writeInt16LE(0, 16); // output gain, Q7.8 dB
    head[18] = 0; // channel mapping family 0: mono or stereo, no mapping table

    const vendor = Buffer.from(this.#vendor, 'utf8');
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0, 'latin1');
    tags.writeUInt32LE(vendor.length, 8);
    vendor.copy(tags, 12);
    tags.writeUInt32LE(0, 12 + vendor.length); // no user comments

    return Buffer.concat([this.#page(head, OggPageFlag.BEGINNING_OF_STREAM), this.#page(tags, 0)]);
  }

  /**
   * One page carrying one Opus packet. `samples` defaults to the duration read from the TOC byte
   * (48 kHz samples); `endOfStream` marks the last page.
   */
  packetPage(packet: Buffer, samples = opusPacketSamples(packet), endOfStream = false): Buffer {
    this.#granulePosition += BigInt(samples);
    return this.#page(packet, endOfStream ? OggPageFlag.END_OF_STREAM : 0);
  }

  #page(packet: Buffer, flags: number): Buffer {
    return buildOggPage({ flags, granulePosition: this.#granulePosition, serial: this.#serial, sequence: this.#sequence++ }, packet);
  }
}
