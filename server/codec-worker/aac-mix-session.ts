import { Codec, type CodecContext, Frame, Packet } from 'node-av/lib';
import { AV_CHANNEL_LAYOUT_MONO, AV_CHANNEL_LAYOUT_STEREO, AV_CODEC_ID_AAC, AV_SAMPLE_FMT_FLTP } from 'node-av/constants';
import { bufferOf, type CodecInput } from '../codec/protocol';
import { AAC_LC, parseAudioSpecificConfig } from '../media/aac/audio-specific-config';
import { AAC_SAMPLE_RATES } from '../media/aac/aac-tables';
import { openAacEncoder } from './aac-encoder';
import { checkedAudioFrame, drainPackets, floatPlane, openCodec } from './codec-calls';
import { CLIP_RATE, CLIP_SAMPLE_BYTES, ClipConverter } from './clip-converter';
import { InputRefusedError, type SessionOutputs, type WorkerSession } from './worker-session';

const AAC_FRAME_SAMPLES = 1024;
/** An AAC frame holds at most 6144 bits per channel (ISO/IEC 14496-3 4.5.3.2). */
const MAX_AAC_FRAME_BYTES_PER_CHANNEL = 6144 / 8;
/** Clip samples a chunk may be off the expected count (another rounding of the same carry). */
const CLIP_TOLERANCE_SAMPLES = 2;

/** The job of an aac-mix session. */
export interface AacMixJob {
  bitrateBps: number;
  sampleRate: number;
  channels: number;
  audioSpecificConfig: Uint8Array;
}

/**
 * A sound clip mixed over a push's AAC: each AAC frame is decoded, the clip's samples for the same
 * duration are added (clipped at full scale), and the sum is encoded again with exactly the push's
 * configuration, so the mixed frames can replace the push's own in its track. One output per
 * input, stamped with the input's pts; the encoder's priming frame is dropped, which makes
 * output k carry input k's audio as the ffmpeg-CLI mixer did.
 */
export class AacMixSession implements WorkerSession {
  readonly #decoder: CodecContext;
  readonly #encoder: CodecContext;
  readonly #clip: ClipConverter;
  readonly #channels: number;
  readonly #sampleRate: number;
  readonly #packet = new Packet();
  readonly #decoded = new Frame();
  readonly #toEncode = new Frame();
  readonly #encoded = new Packet();
  /** Input pts by encoder frame index, until the frame's packet comes out. */
  readonly #slots = new Map<number, number>();
  #framesIn = 0;
  /** Fractional clip samples owed to the next frame, as the gateway counts them. */
  #clipCarry = 0;
  #closed = false;

  constructor(job: AacMixJob) {
    const { sampleRate, channels, bitrateBps } = job;
    const asc = parseAudioSpecificConfig(Buffer.from(job.audioSpecificConfig));
    // FFmpeg's encoder writes AAC-LC only: any other configuration could not be kept.
    if (asc.objectType !== AAC_LC || asc.extensionSampleRate !== undefined) throw new Error(`audio object type ${asc.objectType} is not AAC-LC`);
    if (asc.sampleRate !== sampleRate || asc.channels !== channels) throw new Error(`AudioSpecificConfig says ${asc.channels} channels at ${asc.sampleRate} Hz, the job ${channels} at ${sampleRate} Hz`);
    if (!AAC_SAMPLE_RATES.includes(sampleRate)) throw new Error(`sample rate ${sampleRate} Hz`);
    // The clip is stereo; pushes with more channels would need a mapping nobody has asked for.
    if (channels !== 1 && channels !== 2) throw new Error(`${channels} channels (1 or 2 supported)`);
    const layout = channels === 1 ? AV_CHANNEL_LAYOUT_MONO : AV_CHANNEL_LAYOUT_STEREO;
    this.#channels = channels;
    this.#sampleRate = sampleRate;
    this.#decoder = openCodec(Codec.findDecoder(AV_CODEC_ID_AAC), (ctx) => {
      ctx.extraData = Buffer.from(job.audioSpecificConfig);
      ctx.sampleRate = sampleRate;
      ctx.channelLayout = layout;
    });
    try {
      this.#encoder = openAacEncoder(sampleRate, layout, bitrateBps);
    } catch (err) {
      this.#decoder.freeContext();
      throw err;
    }
    try {
      this.#clip = new ClipConverter(sampleRate, layout, AAC_FRAME_SAMPLES);
    } catch (err) {
      this.#decoder.freeContext();
      this.#encoder.freeContext();
      throw err;
    }
    this.#packet.alloc();
    this.#decoded.alloc();
    this.#encoded.alloc();
    this.#toEncode.alloc();
    this.#toEncode.format = AV_SAMPLE_FMT_FLTP;
    this.#toEncode.sampleRate = sampleRate;
    this.#toEncode.channelLayout = layout;
    this.#toEncode.nbSamples = AAC_FRAME_SAMPLES;
    if (this.#toEncode.getBuffer() < 0) {
      this.close();
      throw new Error('cannot allocate an audio frame');
    }
  }

  push(input: CodecInput, outputs: SessionOutputs): void {
    if (this.#closed) return;
    const aac = bufferOf(input.data);
    if (aac.length === 0 || aac.length > MAX_AAC_FRAME_BYTES_PER_CHANNEL * this.#channels) throw new InputRefusedError(`AAC frame of ${aac.length} bytes`);
    const clip = this.#checkedClip(input.clip);
    const decoded = this.#decode(aac);
    const mixed = this.#toEncode;
    // The encoder may still hold the previous buffer: then this gives the frame a fresh one.
    if (mixed.makeWritable() < 0) throw new Error('cannot make the audio frame writable');
    const clipPlanes = this.#clip.next(clip);
    mixed.data!.slice(0, this.#channels).forEach((plane, ch) => {
      const out = floatPlane(plane, AAC_FRAME_SAMPLES);
      const add = clipPlanes[ch]!;
      const push = decoded?.[ch];
      for (let i = 0; i < AAC_FRAME_SAMPLES; i++) {
        const sum = (push ? push[i]! : 0) + add[i]!;
        out[i] = sum > 1 ? 1 : sum < -1 ? -1 : sum;
      }
    });
    this.#decoded.unref();
    const index = this.#framesIn++;
    this.#slots.set(index, input.pts);
    mixed.pts = BigInt(index * AAC_FRAME_SAMPLES);
    drainPackets(this.#encoder, mixed, this.#encoded, (packet) => this.#output(packet, outputs));
  }

  /** The sound stops: the frames the encoder still holds come out, each in its input's slot. */
  drain(outputs: SessionOutputs): void {
    if (this.#closed) return;
    drainPackets(this.#encoder, null, this.#encoded, (packet) => this.#output(packet, outputs));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.freeContext();
    this.#encoder.freeContext();
    this.#clip.close();
    this.#packet.free();
    this.#decoded.free();
    this.#toEncode.free();
    this.#encoded.free();
  }

  #output(packet: Packet, outputs: SessionOutputs): void {
    const slot = Number(packet.pts) / AAC_FRAME_SAMPLES;
    const pts = this.#slots.get(slot);
    if (pts === undefined) return; // the priming frame (slot -1)
    this.#slots.delete(slot);
    outputs.output({ pts, dts: pts, keyframe: true, data: packet.data! });
  }

  /** The clip chunk of this frame, refused unless it holds the samples this frame's duration needs. */
  #checkedClip(clip: Uint8Array | undefined): Buffer {
    if (!clip) throw new InputRefusedError('AAC frame without its clip samples');
    const wanted = (AAC_FRAME_SAMPLES * CLIP_RATE) / this.#sampleRate + this.#clipCarry;
    const expected = Math.floor(wanted);
    const samples = clip.byteLength / CLIP_SAMPLE_BYTES;
    if (!Number.isInteger(samples) || Math.abs(samples - expected) > CLIP_TOLERANCE_SAMPLES) {
      throw new InputRefusedError(`clip of ${clip.byteLength} bytes, expected ${expected} stereo s16 samples (${expected * CLIP_SAMPLE_BYTES} bytes)`);
    }
    this.#clipCarry = wanted - expected;
    return bufferOf(clip);
  }

  /**
   * The push's audio of this frame, or undefined when the decoder cannot make it: then the clip
   * plays over silence for this slot, so every input still gets its output.
   */
  #decode(aac: Buffer): Float32Array[] | undefined {
    this.#packet.data = aac;
    if (this.#decoder.sendPacketSync(this.#packet) < 0) return undefined;
    if (this.#decoder.receiveFrameSync(this.#decoded) < 0) return undefined;
    const shape = { format: AV_SAMPLE_FMT_FLTP, channels: this.#channels, sampleRate: this.#sampleRate };
    let planes: Buffer[];
    try {
      planes = checkedAudioFrame(this.#decoded, shape);
    } catch {
      return undefined; // elements that contradict the configuration: treated as undecodable
    }
    if (this.#decoded.nbSamples !== AAC_FRAME_SAMPLES) return undefined;
    return planes.map((plane) => floatPlane(plane, AAC_FRAME_SAMPLES));
  }
}
