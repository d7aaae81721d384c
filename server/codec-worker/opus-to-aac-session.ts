import { AudioFifo, Codec, type CodecContext, Frame, Packet } from 'node-av/lib';
import { AV_CHANNEL_LAYOUT_MONO, AV_CHANNEL_LAYOUT_STEREO, AV_CODEC_ID_OPUS, AV_SAMPLE_FMT_FLTP } from 'node-av/constants';
import { bufferOf, type CodecInput } from '../codec/protocol';
import { opusPacketSamples } from '../media/opus/opus-packet';
import { openAacEncoder } from './aac-encoder';
import { checkedAudioFrame, drainPackets, openCodec } from './codec-calls';
import { InputRefusedError, type SessionOutputs, type WorkerSession } from './worker-session';

const RATE = 48000;
const AAC_FRAME_SAMPLES = 1024;
/** An Opus packet is at most 120 ms (RFC 6716) and, from a browser, a few hundred bytes. */
const MAX_OPUS_PACKET_BYTES = 1500;

/**
 * Opus in, AAC-LC 48 kHz mono or stereo out: FFmpeg's Opus decoder, opened with the output's
 * layout (it mixes packets of the other layout to it, so the layout fed to the encoder never
 * changes, whatever the publisher switches to), a FIFO that cuts the 20 ms decoded frames into the encoder's 1024
 * samples, and FFmpeg's AAC encoder. Output times count samples from the first input, so the
 * gateway places each frame exactly; the encoder's priming frame comes first, at -1024.
 */
export class OpusToAacSession implements WorkerSession {
  readonly #decoder: CodecContext;
  readonly #encoder: CodecContext;
  readonly #fifo = new AudioFifo();
  readonly #packet = new Packet();
  readonly #decoded = new Frame();
  readonly #toEncode = new Frame();
  readonly #encoded = new Packet();
  readonly #channels: 1 | 2;
  /** Samples handed to the encoder so far: the pts of the next frame. */
  #samplesIn = 0n;
  #closed = false;

  constructor(bitrateBps: number, channels: 1 | 2) {
    this.#channels = channels;
    const layout = channels === 1 ? AV_CHANNEL_LAYOUT_MONO : AV_CHANNEL_LAYOUT_STEREO;
    this.#decoder = openCodec(Codec.findDecoder(AV_CODEC_ID_OPUS), (ctx) => {
      ctx.sampleRate = RATE;
      ctx.channelLayout = layout;
    });
    this.#encoder = openAacEncoder(RATE, layout, bitrateBps);
    this.#fifo.alloc(AV_SAMPLE_FMT_FLTP, channels, AAC_FRAME_SAMPLES * 4);
    this.#packet.alloc();
    this.#decoded.alloc();
    this.#encoded.alloc();
    this.#toEncode.alloc();
    this.#toEncode.format = AV_SAMPLE_FMT_FLTP;
    this.#toEncode.sampleRate = RATE;
    this.#toEncode.channelLayout = layout;
    this.#toEncode.nbSamples = AAC_FRAME_SAMPLES;
    if (this.#toEncode.getBuffer() < 0) throw new Error('cannot allocate an audio frame');
  }

  push(input: CodecInput, outputs: SessionOutputs): void {
    if (this.#closed) return;
    const data = bufferOf(input.data);
    if (data.length === 0 || data.length > MAX_OPUS_PACKET_BYTES) throw new InputRefusedError(`Opus packet of ${data.length} bytes`);
    try {
      opusPacketSamples(data);
    } catch (err) {
      throw new InputRefusedError(`not an Opus packet: ${(err as Error).message}`);
    }
    this.#packet.data = data;
    const sent = this.#decoder.sendPacketSync(this.#packet);
    // A packet the decoder rejects (corrupt payload behind a valid header) is skipped, not fatal.
    if (sent < 0) throw new InputRefusedError(`Opus decoder refused the packet (${sent})`);
    while (this.#decoder.receiveFrameSync(this.#decoded) >= 0) {
      const planes = checkedAudioFrame(this.#decoded, { format: AV_SAMPLE_FMT_FLTP, channels: this.#channels, sampleRate: RATE });
      this.#fifo.writeSync(planes, this.#decoded.nbSamples);
      this.#decoded.unref();
    }
    while (this.#fifo.size >= AAC_FRAME_SAMPLES) this.#encodeOne(outputs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.freeContext();
    this.#encoder.freeContext();
    this.#fifo.free();
    this.#packet.free();
    this.#decoded.free();
    this.#toEncode.free();
    this.#encoded.free();
  }

  #encodeOne(outputs: SessionOutputs): void {
    const frame = this.#toEncode;
    // The encoder may still hold the previous buffer: then this gives the frame a fresh one.
    if (frame.makeWritable() < 0) throw new Error('cannot make the audio frame writable');
    this.#fifo.readSync(frame.data!, AAC_FRAME_SAMPLES);
    frame.pts = this.#samplesIn;
    this.#samplesIn += BigInt(AAC_FRAME_SAMPLES);
    drainPackets(this.#encoder, frame, this.#encoded, (packet) => {
      const pts = Number(packet.pts);
      outputs.output({ pts, dts: pts, keyframe: true, data: packet.data! });
    });
  }
}
