import { AudioFifo, type ChannelLayout, SoftwareResampleContext } from 'node-av/lib';
import { AV_CHANNEL_LAYOUT_STEREO, AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_S16 } from 'node-av/constants';

/** Rate of the sound clips the gateway sends (48 kHz stereo s16le). */
export const CLIP_RATE = 48000;
/** Bytes of one clip sample: two channels of 16 bits. */
export const CLIP_SAMPLE_BYTES = 4;
/**
 * Silence queued before the clip's first sample: it covers the resampler's filter delay and the
 * ±1 sample wobble of the gateway's carry, so a frame never finds the queue short (a gap would
 * click). ~1.3 ms of latency on the clip.
 */
const LEAD_SAMPLES = 64;
/** More queued than this means the clip comes faster than the push's audio: the excess is dropped. */
const MAX_QUEUED_FRAMES = 4;

/**
 * Turns the gateway's clip chunks (48 kHz stereo s16le, one per AAC frame, their lengths following
 * the push's rate with a carry) into exactly one AAC frame's worth of planar float samples at the
 * push's rate and channel count: FFmpeg's resampler, then a FIFO that evens the chunks out.
 */
export class ClipConverter {
  readonly #resampler = new SoftwareResampleContext();
  readonly #fifo = new AudioFifo();
  readonly #frameSamples: number;
  readonly #channels: number;
  /** Resampler output, one plane per channel; grown when a chunk needs more. */
  #converted: Buffer[] = [];
  /** One frame of converted clip, one plane per channel. */
  readonly #frame: Buffer[];
  #closed = false;

  constructor(sampleRate: number, layout: ChannelLayout, frameSamples: number) {
    this.#frameSamples = frameSamples;
    this.#channels = layout.nbChannels;
    this.#frame = Array.from({ length: this.#channels }, () => Buffer.alloc(frameSamples * 4));
    this.#resampler.allocSetOpts2(layout, AV_SAMPLE_FMT_FLTP, sampleRate, AV_CHANNEL_LAYOUT_STEREO, AV_SAMPLE_FMT_S16, CLIP_RATE);
    if (this.#resampler.init() < 0) {
      this.#resampler.free();
      throw new Error('cannot set up the clip resampler');
    }
    this.#fifo.alloc(AV_SAMPLE_FMT_FLTP, this.#channels, frameSamples * MAX_QUEUED_FRAMES);
    const lead = Array.from({ length: this.#channels }, () => Buffer.alloc(LEAD_SAMPLES * 4));
    if (this.#fifo.writeSync(lead, LEAD_SAMPLES) < 0) throw new Error('cannot queue the clip lead-in');
  }

  /**
   * Converts one chunk (a whole number of clip samples, checked by the caller) and returns the
   * next frame of converted clip, one Float32 plane per channel, valid until the next call.
   */
  next(chunk: Buffer): Float32Array[] {
    const inSamples = chunk.byteLength / CLIP_SAMPLE_BYTES;
    const capacity = this.#resampler.getOutSamples(inSamples);
    if (capacity < 0) throw new Error(`clip resampler failed (${capacity})`);
    if ((this.#converted[0]?.byteLength ?? 0) < capacity * 4) {
      this.#converted = Array.from({ length: this.#channels }, () => Buffer.alloc(capacity * 4));
    }
    const converted = this.#resampler.convertSync(this.#converted, capacity, [chunk], inSamples);
    if (converted < 0) throw new Error(`clip resampler failed (${converted})`);
    if (this.#fifo.writeSync(this.#converted, converted) < 0) throw new Error('cannot queue the clip');
    const excess = this.#fifo.size - this.#frameSamples * (MAX_QUEUED_FRAMES - 1);
    if (excess > 0) this.#fifo.drain(excess);
    // Short (only if the gateway under-delivers): the missing end of the frame stays silent.
    for (const plane of this.#frame) plane.fill(0);
    if (this.#fifo.readSync(this.#frame, Math.min(this.#fifo.size, this.#frameSamples)) < 0) throw new Error('cannot read the queued clip');
    return this.#frame.map((plane) => new Float32Array(plane.buffer, plane.byteOffset, this.#frameSamples));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#resampler.free();
    this.#fifo.free();
  }
}
