import { Frame, SoftwareScaleContext } from 'node-av/lib';
import { AV_PIX_FMT_YUV420P, SWS_BILINEAR } from 'node-av/constants';

/**
 * Brings decoded yuv420p pictures to one fixed size. A frame already at that size passes through
 * untouched; the scaler is set up for the first source size that differs and again whenever the
 * source size changes (a publisher adapting its resolution).
 */
export class FrameScaler {
  readonly #width: number;
  readonly #height: number;
  readonly #scaled = new Frame();
  #context: SoftwareScaleContext | undefined;
  #sourceSize = '';
  #closed = false;

  constructor(width: number, height: number) {
    this.#width = width;
    this.#height = height;
    this.#scaled.alloc();
    this.#scaled.format = AV_PIX_FMT_YUV420P;
    this.#scaled.width = width;
    this.#scaled.height = height;
    if (this.#scaled.getBuffer() < 0) throw new Error('cannot allocate a video frame');
  }

  /** `source` itself at the target size, or a scaled copy valid until the next call. `source` must be yuv420p. */
  scale(source: Frame): Frame {
    if (source.width === this.#width && source.height === this.#height) return source;
    const size = `${source.width}x${source.height}`;
    if (size !== this.#sourceSize) {
      this.#context?.freeContext();
      this.#context = new SoftwareScaleContext();
      this.#context.getContext(source.width, source.height, AV_PIX_FMT_YUV420P, this.#width, this.#height, AV_PIX_FMT_YUV420P, SWS_BILINEAR);
      this.#sourceSize = size;
    }
    // The encoder may still hold the previous picture: then this gives the frame a fresh buffer.
    if (this.#scaled.makeWritable() < 0) throw new Error('cannot make the video frame writable');
    const ret = this.#context!.scaleFrameSync(this.#scaled, source);
    if (ret < 0) throw new Error(`cannot scale ${size} to ${this.#width}x${this.#height} (${ret})`);
    return this.#scaled;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#context?.freeContext();
    this.#scaled.free();
  }
}
