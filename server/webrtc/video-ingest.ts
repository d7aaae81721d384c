import type { RtpPacket } from 'werift';
import type { HubStream } from '../hub/stream';
import { msToUnits } from '../hub/frame';
import type { Track } from '../hub/track';
import type { Logger } from '../log';
import { parseSps } from '../media/h264/sps';
import { H264Depacketizer, type H264AccessUnit } from '../media/rtp/h264-depacketizer';
import { RtpReorderBuffer } from '../media/rtp/reorder-buffer';
import type { RtpStreamItem } from '../media/rtp/rtp-packet';
import { Vp8Depacketizer, type Vp8Frame } from '../media/rtp/vp8-depacketizer';
import { Vp8ToH264Transcoder, type Vp8ToH264Options } from '../transcode/vp8-to-h264';
import { KeyframeRequester } from './keyframe-requester';
import type { RtpClock } from './rtp-clock';

/** Options of a VideoIngest. */
export interface VideoIngestOptions {
  codec: 'h264' | 'vp8';
  stream: HubStream;
  /** The stream's H.264 track this ingest writes (VP8 is transcoded into it). */
  track: Track;
  clock: RtpClock;
  /** Sends one RTCP PLI to the publisher. */
  sendPli: () => void;
  /** VP8 only: how to transcode to H.264. */
  transcode: Vp8ToH264Options;
  logger: Logger;
}

/**
 * The video track of a WebRTC publisher, from RTP to hub frames: reorder, depacketize, timestamp
 * and write H.264 access units (passed through, never decoded), or VP8 frames through the
 * transcoder. Owns the keyframe policy: PLI at start, after loss, and ahead of the keyframe
 * interval while someone reads the stream.
 */
export class VideoIngest {
  readonly #options: VideoIngestOptions;
  readonly #reorder = new RtpReorderBuffer();
  readonly #h264: H264Depacketizer | undefined;
  readonly #vp8: Vp8Depacketizer | undefined;
  readonly #keyframes: KeyframeRequester;
  #transcoder: Vp8ToH264Transcoder | undefined;
  #transcoderSize = '';
  #pollTimer: NodeJS.Timeout | undefined;
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  #closed = false;

  constructor(options: VideoIngestOptions) {
    this.#options = options;
    if (options.codec === 'h264') this.#h264 = new H264Depacketizer();
    else this.#vp8 = new Vp8Depacketizer();
    this.#keyframes = new KeyframeRequester({
      maxIntervalMs: options.transcode.keyframeIntervalMs,
      sendRequest: options.sendPli,
      // H.264 passes through: its keyframes come from the browser. The VP8 transcode makes its own.
      hasReaders: () => options.codec === 'h264' && options.stream.readersOf(options.track) > 0,
    });
  }

  /** Keyframe requests sent so far. */
  get keyframeRequests(): number {
    return this.#keyframes.requests;
  }

  /** Asks the publisher for a keyframe (a reader starts, or asks). */
  requestKeyframe(): void {
    this.#keyframes.request();
  }

  /** One RTP packet of the video track, as werift delivers it. */
  onRtp(rtp: RtpPacket): void {
    if (this.#closed) return;
    const { header } = rtp;
    this.#handle(this.#reorder.push({ sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker, payload: rtp.payload, receivedAt: performance.now() }));
    this.#schedulePoll();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#pollTimer);
    this.#keyframes.close();
    void this.#transcoder?.close();
  }

  #schedulePoll(): void {
    const deadline = this.#reorder.nextDeadline();
    if (deadline === undefined || this.#pollTimer) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      if (this.#closed) return;
      this.#handle(this.#reorder.poll(performance.now()));
      this.#schedulePoll();
    }, Math.max(0, deadline - performance.now()) + 1);
  }

  #handle(items: RtpStreamItem[]): void {
    for (const item of items) {
      if (this.#h264) {
        const result = this.#h264.push(item);
        if (result.needKeyframe) this.#keyframes.request();
        for (const unit of result.frames) this.#onAccessUnit(unit);
      } else if (this.#vp8) {
        const result = this.#vp8.push(item);
        if (result.needKeyframe) this.#keyframes.request();
        for (const frame of result.frames) this.#onVp8Frame(frame);
      }
    }
  }

  #onAccessUnit(unit: H264AccessUnit): void {
    const { stream, clock, track } = this.#options;
    const pts = clock.toUnits(clock.extend(unit.rtpTimestamp), unit.receivedAt);
    if (unit.keyframe) {
      this.#keyframes.onKeyframe();
      this.#updateParameters(this.#h264!.sps, this.#h264!.pps);
    }
    if (!track.params) return; // nothing is decodable before the first SPS/PPS
    stream.write({ track, pts, dts: pts, keyframe: unit.keyframe, data: unit.data, wallClock: clock.wallClock(pts), receivedAt: unit.receivedAt });
  }

  /** Publishes new SPS/PPS to the hub (first keyframe, or a resolution change). */
  #updateParameters(sps: Buffer | undefined, pps: Buffer | undefined): void {
    if (!sps || !pps || (this.#sps?.equals(sps) && this.#pps?.equals(pps))) return;
    try {
      const { width, height } = parseSps(sps);
      this.#sps = sps;
      this.#pps = pps;
      this.#options.stream.setParams(this.#options.track, { codec: 'h264', sps, pps, width, height });
      this.#options.logger.info({ width, height }, 'video parameters');
    } catch (err) {
      this.#options.logger.warn({ err: (err as Error).message }, 'unreadable SPS ignored');
    }
  }

  #onVp8Frame(frame: Vp8Frame): void {
    const { clock } = this.#options;
    const pts = clock.toUnits(clock.extend(frame.rtpTimestamp), frame.receivedAt);
    if (frame.keyframe) {
      this.#keyframes.onKeyframe();
      const size = `${frame.width}x${frame.height}`;
      if (size !== this.#transcoderSize) this.#startTranscoder(frame.width, frame.height);
    }
    // The track's clock is the RTP clock (90 kHz): the transcoder takes milliseconds.
    this.#transcoder?.push(frame.data, (pts * 1000) / this.#options.track.timescale, frame.receivedAt);
  }

  /** Starts (or restarts, on a resolution change) the VP8 → H.264 transcode at a keyframe. */
  #startTranscoder(width: number, height: number): void {
    void this.#transcoder?.close();
    const transcoder = new Vp8ToH264Transcoder(this.#options.transcode, width, height);
    this.#transcoder = transcoder;
    this.#transcoderSize = `${width}x${height}`;
    this.#options.logger.info({ width, height, pid: transcoder.pid }, 'VP8 publisher: transcoding to H.264');
    transcoder.on('parameters', (sps, pps) => this.#updateParameters(sps, pps));
    transcoder.on('frame', (frame) => {
      const { stream, track, clock } = this.#options;
      if (!track.params) return;
      const dts = msToUnits(frame.dtsMs, track.timescale);
      const pts = msToUnits(frame.ptsMs, track.timescale);
      stream.write({ track, pts, dts, keyframe: frame.keyframe, data: frame.data, wallClock: clock.wallClock(dts), receivedAt: frame.receivedAt });
    });
    transcoder.on('failed', (reason) => {
      this.#options.logger.error({ err: reason }, 'VP8 transcoder failed; restarting at the next keyframe');
      if (this.#transcoder === transcoder) {
        this.#transcoder = undefined;
        this.#transcoderSize = '';
        this.#keyframes.request();
      }
    });
  }
}
