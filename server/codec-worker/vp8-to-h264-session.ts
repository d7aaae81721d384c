import { Codec, type CodecContext, Frame, Packet, Rational } from 'node-av/lib';
import { AV_CODEC_ID_VP8, AV_PICTURE_TYPE_I, AV_PICTURE_TYPE_NONE, AV_PIX_FMT_YUV420P, FF_ENCODER_LIBX264 } from 'node-av/constants';
import { bufferOf, type CodecInput } from '../codec/protocol';
import { separateParameterSets } from '../media/h264/annex-b-access-unit';
import { joinAvcc } from '../media/h264/nal';
import { parseVp8FrameHeader, type Vp8FrameHeader } from '../media/vp8/vp8-frame-header';
import { Vp8FormatError } from '../media/vp8/vp8-format-error';
import { checkVideoFrame, drainPackets, openCodec } from './codec-calls';
import { FrameScaler } from './frame-scaler';
import { InputRefusedError, type SessionOutputs, type WorkerSession } from './worker-session';

/** Largest picture side accepted, pixels. */
export const MAX_VP8_SIDE = 4096;
/** A VP8 frame larger than this is not a browser's: even a 4K keyframe is far smaller. */
const MAX_VP8_FRAME_BYTES = 4 * 1024 * 1024;
/** A keyframe is forced once this share of the keyframe interval has passed since the last one. */
const KEYFRAME_MARGIN = 0.9;
/** x264's presets: a name outside them fails the open. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'];

/** The job of a vp8-to-h264 session. */
export interface Vp8ToH264Job {
  width: number;
  height: number;
  bitrateKbps: number;
  preset: string;
  keyframeIntervalMs: number;
}

/**
 * VP8 in, H.264 out (libx264: zerolatency, Main profile, no B-frames, yuv420p), one access unit
 * per shown VP8 frame, stamped with its pts. Every picture is encoded at the job's size (rounded
 * down to even, as 4:2:0 needs): a publisher that changes resolution is scaled back to it, so
 * the RTMP stream keeps one size and one SPS (players and ingest servers take a mid-stream change
 * badly, and reopening x264 would cost a keyframe per change), as the ffmpeg CLI did.
 */
export class Vp8ToH264Session implements WorkerSession {
  readonly #decoder: CodecContext;
  readonly #encoder: CodecContext;
  readonly #scaler: FrameScaler;
  readonly #shape: { format: number; width: number; height: number };
  readonly #keyframeEveryMs: number;
  readonly #packet = new Packet();
  readonly #decoded = new Frame();
  readonly #encoded = new Packet();
  /** Input pts by encoder pts, until the frame's packet comes out. */
  readonly #pending = new Map<number, number>();
  #lastEncoderPts = -Infinity;
  #lastKeyframePts: number | undefined;
  #sawKeyframe = false;
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  #closed = false;

  constructor(job: Vp8ToH264Job) {
    if (!X264_PRESETS.includes(job.preset)) throw new Error(`x264 preset '${job.preset}'`);
    this.#shape = { format: AV_PIX_FMT_YUV420P, width: job.width & ~1, height: job.height & ~1 };
    this.#keyframeEveryMs = job.keyframeIntervalMs * KEYFRAME_MARGIN;
    this.#decoder = openCodec(Codec.findDecoder(AV_CODEC_ID_VP8), (ctx) => {
      ctx.threadCount = 1; // frame threads would hold frames back
    });
    try {
      this.#encoder = openCodec(Codec.findEncoderByName(FF_ENCODER_LIBX264), (ctx) => {
        const bitrate = BigInt(job.bitrateKbps * 1000);
        ctx.width = this.#shape.width;
        ctx.height = this.#shape.height;
        ctx.pixelFormat = AV_PIX_FMT_YUV420P;
        // Millisecond timestamps drive x264's rate control (variable frame rate); the nominal
        // frame rate only seeds it.
        ctx.timeBase = new Rational(1, 1000);
        ctx.framerate = new Rational(30, 1);
        ctx.bitRate = bitrate;
        ctx.rcMaxRate = bitrate;
        ctx.rcBufferSize = Number(bitrate) * 2;
        ctx.maxBFrames = 0;
        // One thread per session: a worker runs many sessions, and the workers use the cores.
        ctx.threadCount = 1;
        ctx.setOption('preset', job.preset);
        ctx.setOption('tune', 'zerolatency');
        ctx.setOption('profile', 'main');
      });
    } catch (err) {
      this.#decoder.freeContext();
      throw err;
    }
    this.#scaler = new FrameScaler(this.#shape.width, this.#shape.height);
    this.#packet.alloc();
    this.#decoded.alloc();
    this.#encoded.alloc();
  }

  push(input: CodecInput, outputs: SessionOutputs): void {
    if (this.#closed) return;
    const vp8 = bufferOf(input.data);
    const header = this.#checkedHeader(vp8);
    this.#sawKeyframe ||= header.keyframe;
    this.#packet.data = vp8;
    const sent = this.#decoder.sendPacketSync(this.#packet);
    // A frame the decoder rejects (corrupt payload behind a valid header) is skipped, not fatal.
    if (sent < 0) throw new InputRefusedError(`VP8 decoder refused the frame (${sent})`);
    while (this.#decoder.receiveFrameSync(this.#decoded) >= 0) {
      try {
        this.#encode(this.#decoded, input.pts, outputs);
      } finally {
        this.#decoded.unref();
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.freeContext();
    this.#encoder.freeContext();
    this.#scaler.close();
    this.#packet.free();
    this.#decoded.free();
    this.#encoded.free();
  }

  /** The frame's header, refusing what must not reach the decoder. */
  #checkedHeader(vp8: Buffer): Vp8FrameHeader {
    if (vp8.length === 0 || vp8.length > MAX_VP8_FRAME_BYTES) throw new InputRefusedError(`VP8 frame of ${vp8.length} bytes`);
    let header: Vp8FrameHeader;
    try {
      header = parseVp8FrameHeader(vp8);
    } catch (err) {
      if (err instanceof Vp8FormatError) throw new InputRefusedError(`not a VP8 frame: ${err.message}`);
      throw err;
    }
    if (!header.keyframe && !this.#sawKeyframe) throw new InputRefusedError('VP8 interframe before the first keyframe');
    const { width = 0, height = 0 } = header;
    if (header.keyframe && (width < 2 || height < 2 || width > MAX_VP8_SIDE || height > MAX_VP8_SIDE)) {
      throw new InputRefusedError(`VP8 keyframe of ${width}x${height}`);
    }
    return header;
  }

  #encode(decoded: Frame, pts: number, outputs: SessionOutputs): void {
    if (decoded.format !== AV_PIX_FMT_YUV420P) throw new Error(`VP8 decoder produced pixel format ${decoded.format}`);
    const frame = this.#scaler.scale(decoded);
    checkVideoFrame(frame, this.#shape);
    // x264 wants rising timestamps; the output takes the input's own back from #pending.
    const encoderPts = Math.max(Math.round(pts), this.#lastEncoderPts + 1);
    this.#lastEncoderPts = encoderPts;
    this.#pending.set(encoderPts, pts);
    frame.pts = BigInt(encoderPts);
    // The VP8 frame's own type is not passed on: keyframes come from the interval (and x264's scene cuts).
    const last = this.#lastKeyframePts;
    const due = last === undefined || pts < last || pts - last >= this.#keyframeEveryMs;
    frame.pictType = due ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    drainPackets(this.#encoder, frame, this.#encoded, (packet) => this.#emit(packet, outputs));
  }

  #emit(packet: Packet, outputs: SessionOutputs): void {
    const encoderPts = Number(packet.pts);
    const pts = this.#pending.get(encoderPts);
    this.#pending.delete(encoderPts);
    if (pts === undefined) throw new Error(`x264 returned a packet for pts ${encoderPts}, which it was never given`);
    const { sps, pps, nalus } = separateParameterSets(packet.data!);
    if (sps && pps && !(this.#sps?.equals(sps) && this.#pps?.equals(pps))) {
      this.#sps = Buffer.from(sps);
      this.#pps = Buffer.from(pps);
      outputs.parameters(this.#sps, this.#pps);
    }
    const keyframe = packet.isKeyframe;
    if (keyframe) this.#lastKeyframePts = pts;
    outputs.output({ pts, dts: pts, keyframe, data: joinAvcc(nalus) });
  }
}
