import { TypedEmitter } from '../events/typed-emitter';
import { ivfFileHeader, ivfFrameHeader } from '../media/containers/ivf-writer';
import { parseAvcDecoderConfig } from '../media/h264/avc-decoder-config';
import { FlvStreamParser, FlvTagType } from '../rtmp/protocol/flv-stream';
import { AvcPacketType, parseVideoTagBody } from '../rtmp/protocol/flv';
import { FfmpegProcess } from './ffmpeg-process';

/** Options of a Vp8ToH264Transcoder. */
export interface Vp8ToH264Options {
  ffmpegPath: string;
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

/** Input queued towards a stalled ffmpeg before frames are dropped, bytes. */
const MAX_PENDING_INPUT = 8 * 1024 * 1024;

/**
 * VP8 in, H.264 out, for publishers that cannot send H.264: one ffmpeg with libx264 (zerolatency,
 * no B-frames, keyframes forced within the keyframe interval). VP8 frames go in as IVF with
 * millisecond timestamps; H.264 comes back as FLV, whose tags carry those timestamps through, so
 * output frames are stamped from the input without guessing.
 */
export class Vp8ToH264Transcoder extends TypedEmitter<Vp8ToH264Events> {
  readonly #process: FfmpegProcess;
  readonly #flv = new FlvStreamParser();
  #originMs: number | undefined;
  #closed = false;
  /** Arrival times by input timestamp (ms from origin), to measure latency through the transcode. */
  readonly #arrivals = new Map<number, number>();

  constructor(options: Vp8ToH264Options, width: number, height: number) {
    super();
    const keyint = (options.keyframeIntervalMs / 1000) * 0.9;
    this.#process = new FfmpegProcess({
      ffmpegPath: options.ffmpegPath,
      args: [
        '-probesize', '32', '-analyzeduration', '0', '-f', 'ivf', '-i', 'pipe:0',
        '-an', '-c:v', 'libx264', '-preset', options.preset, '-tune', 'zerolatency', '-profile:v', 'main', '-bf', '0', '-pix_fmt', 'yuv420p',
        '-b:v', `${options.bitrateKbps}k`, '-maxrate', `${options.bitrateKbps}k`, '-bufsize', `${options.bitrateKbps * 2}k`,
        '-force_key_frames', `expr:gte(t,n_forced*${keyint.toFixed(2)})`, '-fps_mode', 'passthrough',
        '-flush_packets', '1', '-f', 'flv', 'pipe:1',
      ],
    });
    this.#process.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    this.#process.on('exit', (code, signal, stderr) => {
      if (!this.#closed) this.emit('failed', `ffmpeg exited (${code ?? signal}): ${stderr || 'no message'}`);
    });
    this.#process.stdin.write(ivfFileHeader({ width, height, timebaseDenominator: 1000, fourcc: 'VP80' }));
  }

  /** ffmpeg's process id. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** One complete VP8 frame with its time on the stream clock, ms. The first one must be a keyframe. */
  push(vp8: Buffer, ptsMs: number, receivedAt: number): void {
    if (this.#closed) return;
    this.#originMs ??= ptsMs;
    const ts = Math.max(0, Math.round(ptsMs - this.#originMs));
    if (this.#process.stdin.writableLength > MAX_PENDING_INPUT) return;
    this.#arrivals.set(ts, receivedAt);
    this.#process.stdin.write(Buffer.concat([ivfFrameHeader(vp8.length, ts), vp8]));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#process.kill();
    await this.#process.stop();
  }

  #onOutput(chunk: Buffer): void {
    let tags;
    try {
      tags = this.#flv.push(chunk);
    } catch (err) {
      this.emit('failed', `unreadable ffmpeg output: ${(err as Error).message}`);
      void this.close();
      return;
    }
    for (const tag of tags) {
      if (tag.type !== FlvTagType.VIDEO || this.#originMs === undefined) continue;
      const body = parseVideoTagBody(tag.body);
      if (body.avcPacketType === AvcPacketType.SEQUENCE_HEADER) {
        const config = parseAvcDecoderConfig(body.data);
        const [sps] = config.sps;
        const [pps] = config.pps;
        if (sps && pps) this.emit('parameters', sps, pps);
      } else if (body.avcPacketType === AvcPacketType.NALU) {
        const receivedAt = this.#arrivals.get(tag.timestamp) ?? performance.now();
        this.#arrivals.delete(tag.timestamp);
        if (this.#arrivals.size > 256) this.#arrivals.clear();
        const dts = this.#originMs + tag.timestamp;
        this.emit('frame', { ptsMs: dts + body.compositionTime, dtsMs: dts, keyframe: body.frameType === 1, data: body.data, receivedAt });
      }
    }
  }
}
