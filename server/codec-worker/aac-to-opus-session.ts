import { AudioFifo, avChannelLayoutDefault, Codec, type CodecContext, Frame, Packet, Rational, SoftwareResampleContext } from 'node-av/lib';
import { AV_CHANNEL_LAYOUT_MONO, AV_CHANNEL_LAYOUT_STEREO, AV_CODEC_ID_AAC, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP, FF_ENCODER_LIBOPUS } from 'node-av/constants';
import { bufferOf, type CodecInput } from '../codec/protocol';
import { AAC_LC, parseAudioSpecificConfig } from '../media/aac/audio-specific-config';
import { drainPackets, openCodec } from './codec-calls';
import { InputRefusedError, type SessionOutputs, type WorkerSession } from './worker-session';

const RATE = 48000;
/** 20 ms at 48 kHz: the packet duration WebRTC receivers expect. */
const OPUS_FRAME_SAMPLES = 960;
/** An AAC frame holds at most 6144 bits per channel (ISO/IEC 14496-3 4.5.3.2). */
const MAX_AAC_FRAME_BYTES_PER_CHANNEL = 6144 / 8;
/** What a decoded frame may be: AAC's rates and channel configurations, at most 2048 samples (HE-AAC). */
const MAX_DECODED_CHANNELS = 8;
const MIN_DECODED_RATE = 7350;
const MAX_DECODED_RATE = 96000;
const MAX_DECODED_SAMPLES = 4096;
const FLOAT_BYTES = 4;

/** The job of an aac-to-opus session. */
export interface AacToOpusJob {
  sampleRate: number;
  channels: number;
  audioSpecificConfig: Uint8Array;
  bitrateBps: number;
}

/** The shape of the decoded frames the resampler is set up for. */
interface DecodedShape {
  channels: number;
  sampleRate: number;
}

/**
 * AAC in, Opus out: FFmpeg's AAC decoder, its resampler (to 48 kHz interleaved float, the input's
 * channels mixed to mono or stereo), a FIFO that cuts the audio into 20 ms, and libopus. Output
 * times count 48 kHz samples from the first input sample, so the gateway places each packet
 * exactly; libopus' pre-skip makes the first packet start before 0.
 */
export class AacToOpusSession implements WorkerSession {
  readonly #decoder: CodecContext;
  readonly #encoder: CodecContext;
  readonly #fifo = new AudioFifo();
  readonly #packet = new Packet();
  readonly #decoded = new Frame();
  readonly #toEncode = new Frame();
  readonly #encoded = new Packet();
  readonly #outChannels: 1 | 2;
  readonly #maxFrameBytes: number;
  #resampler: SoftwareResampleContext | undefined;
  #resampledShape: DecodedShape | undefined;
  /** Resampler output, interleaved; grown when a frame needs more. */
  #resampled = Buffer.alloc(0);
  /** Samples handed to the encoder so far: the pts of the next frame. */
  #samplesIn = 0n;
  #closed = false;

  constructor(job: AacToOpusJob) {
    const asc = parseAudioSpecificConfig(Buffer.from(job.audioSpecificConfig));
    // AAC-LC, alone or under SBR/PS (HE-AAC): what RTMP publishers send.
    if (asc.objectType !== AAC_LC) throw new Error(`audio object type ${asc.objectType} is not AAC-LC or HE-AAC`);
    this.#outChannels = job.channels === 1 ? 1 : 2;
    this.#maxFrameBytes = MAX_AAC_FRAME_BYTES_PER_CHANNEL * job.channels;
    const outLayout = this.#outChannels === 1 ? AV_CHANNEL_LAYOUT_MONO : AV_CHANNEL_LAYOUT_STEREO;
    this.#decoder = openCodec(Codec.findDecoder(AV_CODEC_ID_AAC), (ctx) => {
      ctx.extraData = Buffer.from(job.audioSpecificConfig);
      ctx.sampleRate = job.sampleRate;
      ctx.channelLayout = avChannelLayoutDefault(job.channels);
    });
    try {
      this.#encoder = openCodec(Codec.findEncoderByName(FF_ENCODER_LIBOPUS), (ctx) => {
        ctx.sampleRate = RATE;
        ctx.channelLayout = outLayout;
        ctx.sampleFormat = AV_SAMPLE_FMT_FLT;
        ctx.bitRate = BigInt(job.bitrateBps);
        ctx.timeBase = new Rational(1, RATE);
        ctx.setOption('application', 'audio');
        ctx.setOption('frame_duration', '20');
      });
    } catch (err) {
      this.#decoder.freeContext();
      throw err;
    }
    this.#fifo.alloc(AV_SAMPLE_FMT_FLT, this.#outChannels, OPUS_FRAME_SAMPLES * 4);
    this.#packet.alloc();
    this.#decoded.alloc();
    this.#encoded.alloc();
    this.#toEncode.alloc();
    this.#toEncode.format = AV_SAMPLE_FMT_FLT;
    this.#toEncode.sampleRate = RATE;
    this.#toEncode.channelLayout = outLayout;
    this.#toEncode.nbSamples = OPUS_FRAME_SAMPLES;
    if (this.#toEncode.getBuffer() < 0) {
      this.close();
      throw new Error('cannot allocate an audio frame');
    }
  }

  push(input: CodecInput, outputs: SessionOutputs): void {
    if (this.#closed) return;
    const data = bufferOf(input.data);
    if (data.length === 0 || data.length > this.#maxFrameBytes) throw new InputRefusedError(`AAC frame of ${data.length} bytes`);
    this.#packet.data = data;
    // A frame the decoder rejects (junk, or a corrupt payload) is skipped, not fatal.
    const sent = this.#decoder.sendPacketSync(this.#packet);
    if (sent < 0) throw new InputRefusedError(`AAC decoder refused the frame (${sent})`);
    let odd: string | undefined;
    while (this.#decoder.receiveFrameSync(this.#decoded) >= 0) {
      try {
        const planes = checkedPlanes(this.#decoded);
        if (typeof planes === 'string') odd = planes;
        else this.#resample(this.#decoded, planes);
      } finally {
        this.#decoded.unref();
      }
    }
    while (this.#fifo.size >= OPUS_FRAME_SAMPLES) this.#encodeOne(outputs);
    // Refused after the decoder is emptied, so that the next frame finds it ready.
    if (odd) throw new InputRefusedError(odd);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.freeContext();
    this.#encoder.freeContext();
    this.#resampler?.free();
    this.#fifo.free();
    this.#packet.free();
    this.#decoded.free();
    this.#toEncode.free();
    this.#encoded.free();
  }

  /** Converts one decoded frame to 48 kHz interleaved float and queues it. */
  #resample(frame: Frame, planes: Buffer[]): void {
    const resampler = this.#resamplerFor({ channels: frame.channels, sampleRate: frame.sampleRate });
    const capacity = resampler.getOutSamples(frame.nbSamples);
    if (capacity < 0) throw new Error(`resampler failed (${capacity})`);
    const bytes = capacity * this.#outChannels * FLOAT_BYTES;
    if (this.#resampled.byteLength < bytes) this.#resampled = Buffer.alloc(bytes);
    const converted = resampler.convertSync([this.#resampled], capacity, planes, frame.nbSamples);
    if (converted < 0) throw new Error(`resampler failed (${converted})`);
    if (converted > 0 && this.#fifo.writeSync(this.#resampled, converted) < 0) throw new Error('cannot queue the decoded audio');
  }

  /**
   * The resampler for frames of `shape`, set up anew when the decoder's output changes (implicit
   * SBR found in the stream, a new channel configuration): the few samples the old one held are lost.
   */
  #resamplerFor(shape: DecodedShape): SoftwareResampleContext {
    const current = this.#resampledShape;
    if (this.#resampler && current?.channels === shape.channels && current.sampleRate === shape.sampleRate) return this.#resampler;
    this.#resampler?.free();
    this.#resampler = undefined;
    const resampler = new SoftwareResampleContext();
    const outLayout = this.#outChannels === 1 ? AV_CHANNEL_LAYOUT_MONO : AV_CHANNEL_LAYOUT_STEREO;
    // The default layout of the count, not the frame's own: a program_config_element may leave it unordered.
    const ret = resampler.allocSetOpts2(outLayout, AV_SAMPLE_FMT_FLT, RATE, avChannelLayoutDefault(shape.channels), AV_SAMPLE_FMT_FLTP, shape.sampleRate);
    // A downmix whose coefficients add up to at most 1 cannot clip (stereo to mono: the average).
    if (ret < 0 || resampler.setOption('rematrix_maxval', '1') < 0 || resampler.init() < 0) {
      resampler.free();
      throw new Error(`cannot resample ${shape.channels} channels at ${shape.sampleRate} Hz`);
    }
    this.#resampler = resampler;
    this.#resampledShape = shape;
    return resampler;
  }

  #encodeOne(outputs: SessionOutputs): void {
    const frame = this.#toEncode;
    // The encoder may still hold the previous buffer: then this gives the frame a fresh one.
    if (frame.makeWritable() < 0) throw new Error('cannot make the audio frame writable');
    if (this.#fifo.readSync(frame.data!, OPUS_FRAME_SAMPLES) < OPUS_FRAME_SAMPLES) throw new Error('cannot read the queued audio');
    frame.pts = this.#samplesIn;
    this.#samplesIn += BigInt(OPUS_FRAME_SAMPLES);
    drainPackets(this.#encoder, frame, this.#encoded, (packet) => {
      const pts = Number(packet.pts);
      outputs.output({ pts, dts: pts, keyframe: true, data: packet.data! });
    });
  }
}

/**
 * The planes of a decoded AAC frame, or why it is skipped, after checking everything the resampler
 * will trust: node-av crashes the process, instead of throwing, on planes that do not hold what
 * it is told.
 */
function checkedPlanes(frame: Frame): Buffer[] | string {
  const { format, channels, sampleRate, nbSamples } = frame;
  const planes = frame.data;
  const sane =
    format === AV_SAMPLE_FMT_FLTP &&
    Number.isInteger(channels) && channels >= 1 && channels <= MAX_DECODED_CHANNELS &&
    Number.isInteger(sampleRate) && sampleRate >= MIN_DECODED_RATE && sampleRate <= MAX_DECODED_RATE &&
    Number.isInteger(nbSamples) && nbSamples >= 1 && nbSamples <= MAX_DECODED_SAMPLES &&
    planes !== null && planes.length >= channels;
  if (!sane) return `AAC decoder produced ${channels} channels at ${sampleRate} Hz, ${nbSamples} samples in format ${format}`;
  const used = planes.slice(0, channels);
  if (used.some((plane) => plane.byteLength < nbSamples * FLOAT_BYTES)) return 'AAC decoder produced a short plane';
  return used;
}
