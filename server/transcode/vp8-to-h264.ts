import type { CodecPool } from '../codec/codec-pool';
import type { CodecSession } from '../codec/codec-session';
import { TypedEmitter } from '../events/typed-emitter';

/** Options of a Vp8ToH264Transcoder. */
export interface Vp8ToH264Options {
  /** The codec workers that do the work. */
  pool: CodecPool;
  /** x264 preset (setting video_transcode_preset). */
  preset: string;
  /** Target bitrate, kbit/s. */
  bitrateKbps: number;
  /** Longest keyframe interval of the output, ms. */
  keyframeIntervalMs: number;
}

/** One H.264 access unit out of the transcoder, with the times of the VP8 frame it came from. */
export interface TranscodedFrame {
  /** Presentation and decode time on the caller's clock, ms. */
  readonly ptsMs: number;
  readonly dtsMs: number;
  readonly keyframe: boolean;
  /** NAL units with 4-byte lengths (AVCC). */
  readonly data: Buffer;
  /** `performance.now()` at the arrival of the VP8 frame, ms. */
  readonly receivedAt: number;
}

/** Events of a Vp8ToH264Transcoder. */
export type Vp8ToH264Events = {
  /** New SPS/PPS (first, or after a resolution change). */
  parameters: [sps: Buffer, pps: Buffer];
  frame: [frame: TranscodedFrame];
  failed: [reason: string];
};

/** Arrival times kept for frames the encoder has not returned yet. */
const MAX_PENDING_ARRIVALS = 256;

/**
 * VP8 in, H.264 out, for publishers that cannot send H.264: a codec session with libx264
 * (zerolatency, no B-frames, a keyframe at least every keyframe interval). Frames keep the VP8
 * frame's time, so output frames are stamped from the input without guessing.
 */
export class Vp8ToH264Transcoder extends TypedEmitter<Vp8ToH264Events> {
  readonly #session: CodecSession;
  /** Arrival times by input pts, to measure latency through the transcode. */
  readonly #arrivals = new Map<number, number>();
  #closed = false;

  constructor(options: Vp8ToH264Options, width: number, height: number) {
    super();
    const { preset, bitrateKbps, keyframeIntervalMs } = options;
    this.#session = options.pool.open({ kind: 'vp8-to-h264', width, height, bitrateKbps, preset, keyframeIntervalMs });
    this.#session.on('parameters', (sps, pps) => this.emit('parameters', sps, pps));
    this.#session.on('output', (output) => {
      const receivedAt = this.#arrivals.get(output.pts) ?? performance.now();
      this.#arrivals.delete(output.pts);
      this.emit('frame', { ptsMs: output.pts, dtsMs: output.dts, keyframe: output.keyframe, data: output.data, receivedAt });
    });
    this.#session.on('failed', (reason) => {
      if (!this.#closed) this.emit('failed', reason);
    });
  }

  /** The codec session's id, for logs. */
  get sessionId(): number {
    return this.#session.id;
  }

  /** One complete VP8 frame with its time on the stream clock, ms. The first one must be a keyframe. */
  push(vp8: Buffer, ptsMs: number, receivedAt: number): void {
    if (this.#closed) return;
    if (this.#arrivals.size >= MAX_PENDING_ARRIVALS) this.#arrivals.clear();
    this.#arrivals.set(ptsMs, receivedAt);
    this.#session.push(ptsMs, vp8);
  }

  /** Ends the session. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#session.close();
  }
}
