import { Vp8FormatError } from '../vp8/vp8-format-error';
import { parseVp8FrameHeader } from '../vp8/vp8-frame-header';
import { type Vp8PayloadDescriptor, parseVp8PayloadDescriptor } from '../vp8/vp8-payload-descriptor';
import { KeyframeGate } from './keyframe-gate';
import type { RtpPacketView, RtpStreamItem } from './rtp-packet';
import type { DepacketizeResult, VideoDepacketizer } from './video-depacketizer';

/** One VP8 frame rebuilt from RTP. */
export interface Vp8Frame {
  /** RTP timestamp of the frame, 90 kHz. */
  readonly rtpTimestamp: number;
  /** The VP8 frame (payload descriptors removed), one allocation. */
  readonly data: Buffer;
  readonly keyframe: boolean;
  /** Size from the latest keyframe, pixels. */
  readonly width: number;
  readonly height: number;
  /** PictureID of the frame when the sender includes it (7 or 15 bits). */
  readonly pictureId: number | undefined;
  /** `receivedAt` of the frame's first packet, ms on the caller's clock. */
  readonly receivedAt: number;
}

/** Bytes of a keyframe header (frame tag, start code, sizes); interframe headers are shorter. */
const FRAME_HEADER_MAX = 10;

/** Counters of what the depacketizer did, since creation. */
export interface Vp8DepacketizerStats {
  readonly frames: number;
  /** Frames thrown away: damaged by loss, malformed, or waiting for a keyframe. */
  readonly droppedFrames: number;
  /** Packets with a broken descriptor, a continuation without a start, or an unparsable frame header. */
  readonly malformedPackets: number;
}

/**
 * VP8 RTP depacketizer (RFC 7741). A frame starts with a packet that has S = 1 and PID = 0 and
 * ends on the marker bit (or when the timestamp changes, or the next frame starts). Loss handling
 * is the H.264 one: drop the damaged frame and everything up to the next keyframe, reporting
 * `needKeyframe`.
 */
export class Vp8Depacketizer implements VideoDepacketizer<Vp8Frame> {
  readonly #gate = new KeyframeGate();
  /** VP8 data of the frame being collected (views of the payloads). */
  #parts: Buffer[] = [];
  #size = 0;
  #timestamp: number | undefined;
  #receivedAt = 0;
  #pictureId: number | undefined;
  #damaged = false;
  #width = 0;
  #height = 0;
  #frames = 0;
  #droppedFrames = 0;
  #malformedPackets = 0;

  /** True while frames are discarded until the next keyframe. */
  get waitingForKeyframe(): boolean {
    return this.#gate.waitingForKeyframe;
  }

  /** Counters since creation. */
  get stats(): Vp8DepacketizerStats {
    return { frames: this.#frames, droppedFrames: this.#droppedFrames, malformedPackets: this.#malformedPackets };
  }

  /** Feeds one in-order packet or loss marker; returns the frames it completed. */
  push(item: RtpStreamItem): DepacketizeResult<Vp8Frame> {
    const frames: Vp8Frame[] = [];
    if (item.kind === 'loss') {
      if (this.#timestamp !== undefined) this.#drop();
      this.#gate.lost();
    } else {
      this.#onPacket(item.packet, frames);
    }
    return { frames, needKeyframe: this.#gate.takeKeyframeRequest() };
  }

  #onPacket(packet: RtpPacketView, frames: Vp8Frame[]): void {
    let descriptor: Vp8PayloadDescriptor | undefined;
    try {
      descriptor = parseVp8PayloadDescriptor(packet.payload);
    } catch (err) {
      if (!(err instanceof Vp8FormatError)) throw err;
    }
    const beginsFrame = descriptor !== undefined && descriptor.startOfPartition && descriptor.partitionIndex === 0;
    if (!this.#gate.passPacket(packet, beginsFrame)) return;
    if (this.#timestamp !== undefined && (beginsFrame || packet.timestamp !== this.#timestamp)) this.#finish(frames);
    const firstPacket = this.#timestamp === undefined;
    if (firstPacket) {
      this.#timestamp = packet.timestamp;
      this.#receivedAt = packet.receivedAt;
      this.#pictureId = descriptor?.pictureId;
    }
    // A frame whose first packet is not a frame start lost its beginning.
    if (descriptor === undefined || (firstPacket && !beginsFrame)) {
      this.#damage();
    } else if (!this.#damaged) {
      const data = packet.payload.subarray(descriptor.length);
      this.#parts.push(data);
      this.#size += data.length;
    }
    if (packet.marker) this.#finish(frames);
  }

  #damage(): void {
    this.#malformedPackets++;
    if (this.#damaged) return;
    this.#damaged = true;
    this.#gate.damaged();
  }

  /** Ends the frame being collected: delivers it if it is whole and decodable. */
  #finish(frames: Vp8Frame[]): void {
    if (this.#damaged) return this.#drop();
    let keyframe: boolean;
    try {
      const header = parseVp8FrameHeader(this.#frameStart());
      keyframe = header.keyframe;
      if (header.width !== undefined && header.height !== undefined) {
        this.#width = header.width;
        this.#height = header.height;
      }
    } catch (err) {
      if (!(err instanceof Vp8FormatError)) throw err;
      this.#damage();
      return this.#drop();
    }
    if (!this.#gate.admitFrame(keyframe)) return this.#drop();
    const data = Buffer.concat(this.#parts, this.#size);
    frames.push({
      rtpTimestamp: this.#timestamp!,
      data,
      keyframe,
      width: this.#width,
      height: this.#height,
      pictureId: this.#pictureId,
      receivedAt: this.#receivedAt,
    });
    this.#frames++;
    this.#reset();
  }

  /** At least the first 10 bytes of the frame (all a frame header needs), copying only if they span packets. */
  #frameStart(): Buffer {
    const first = this.#parts[0];
    if (first !== undefined && first.length >= FRAME_HEADER_MAX) return first;
    return Buffer.concat(this.#parts, Math.min(this.#size, FRAME_HEADER_MAX));
  }

  #drop(): void {
    this.#droppedFrames++;
    this.#reset();
  }

  #reset(): void {
    this.#parts = [];
    this.#size = 0;
    this.#timestamp = undefined;
    this.#damaged = false;
  }
}
