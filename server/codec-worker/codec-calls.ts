import { CodecContext, type Codec, type Frame, type Packet } from 'node-av/lib';
import { AVERROR_EAGAIN, AVERROR_EOF } from 'node-av/constants';

/**
 * Allocates and opens a codec context synchronously. Options are set on the context before
 * opening, never passed to open2Sync as a Dictionary: node-av 6.1.1 crashes at the next garbage
 * collection after a synchronous open with a Dictionary (measured).
 */
export function openCodec(codec: Codec | null, configure: (ctx: CodecContext) => void): CodecContext {
  if (!codec) throw new Error('codec not in this FFmpeg build');
  const ctx = new CodecContext();
  ctx.allocContext3(codec);
  try {
    configure(ctx);
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) throw new Error(`cannot open ${codec.name} (${ret})`);
  } catch (err) {
    ctx.freeContext();
    throw err;
  }
  return ctx;
}

/** What a decoded audio frame must be before its planes are touched. */
export interface AudioShape {
  format: number;
  channels: number;
  sampleRate: number;
}

/**
 * The planes of a decoded audio frame, after checking that it has the shape the next step was
 * opened for: node-av 6.1.1 crashes the process, instead of throwing, on frames of another layout.
 */
export function checkedAudioFrame(frame: Frame, shape: AudioShape): Buffer[] {
  const planes = frame.data;
  if (frame.format !== shape.format || frame.channels !== shape.channels || frame.sampleRate !== shape.sampleRate || !planes || planes.length < shape.channels) {
    throw new Error(`decoder produced ${frame.channels} channels at ${frame.sampleRate} Hz in format ${frame.format}, expected ${shape.channels} at ${shape.sampleRate} Hz in ${shape.format}`);
  }
  return planes.slice(0, shape.channels);
}

/** Sends one frame to an encoder (null: the end, flush everything) and hands every packet it has ready to `onPacket`. */
export function drainPackets(encoder: CodecContext, frame: Frame | null, packet: Packet, onPacket: (packet: Packet) => void): void {
  const sent = encoder.sendFrameSync(frame);
  if (sent < 0) throw new Error(`encoder refused a frame (${sent})`);
  for (;;) {
    const ret = encoder.receivePacketSync(packet);
    if (ret === AVERROR_EAGAIN || ret === AVERROR_EOF) return;
    if (ret < 0) throw new Error(`encoder failed (${ret})`);
    onPacket(packet);
    packet.unref();
  }
}

/** What a decoded or scaled video frame must be before it reaches an encoder. */
export interface VideoShape {
  format: number;
  width: number;
  height: number;
}

/**
 * Throws unless a video frame has the shape the encoder was opened for: node-av 6.1.1 crashes the
 * process, instead of throwing, on frames the encoder cannot take.
 */
export function checkVideoFrame(frame: Frame, shape: VideoShape): void {
  const planes = frame.data;
  if (frame.format !== shape.format || frame.width !== shape.width || frame.height !== shape.height || !planes || planes.length < 3) {
    throw new Error(`video frame ${frame.width}x${frame.height} in format ${frame.format}, expected ${shape.width}x${shape.height} in ${shape.format}`);
  }
}

/** Float samples of a planar audio plane, without copying. */
export function floatPlane(plane: Buffer, samples: number): Float32Array {
  if (plane.byteLength < samples * 4) throw new Error(`audio plane of ${plane.byteLength} bytes holds fewer than ${samples} samples`);
  return new Float32Array(plane.buffer, plane.byteOffset, samples);
}
