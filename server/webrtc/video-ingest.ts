import { systemClock, type Clock, type TimerHandle } from '../events/clock';
import type { HubStream } from '../hub/stream';
import { msToUnits } from '../hub/frame';
import type { IngestQuality } from '../hub/ingest-quality';
import type { Track } from '../hub/track';
import type { Logger } from '../log';
import { parseSps } from '../media/h264/sps';
import { H264Depacketizer, type H264AccessUnit } from '../media/rtp/h264-depacketizer';
import { RtpLossRepair } from '../media/rtp/loss-repair';
import type { RepairWindowOptions } from '../media/rtp/repair-window';
import type { RtpStreamItem } from '../media/rtp/rtp-packet';
import { Vp8Depacketizer, type Vp8Frame } from '../media/rtp/vp8-depacketizer';
import { Vp8ToH264Transcoder, type Vp8ToH264Options } from '../transcode/vp8-to-h264';
import { KeyframeRequester } from './keyframe-requester';
import type { ReceivedRtp } from './received-rtp';
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
  /** Sends one RTCP generic NACK for these sequence numbers; absent when the publisher takes none (then gaps are only waited for). */
  sendNack?: (sequenceNumbers: readonly number[]) => void;
  /** How long a missing packet is waited for. */
  repair: RepairWindowOptions;
  /** VP8 only: how to transcode to H.264. */
  transcode: Vp8ToH264Options;
  logger: Logger;
  /** Time and timers; default: the system clock. */
  time?: Clock;
}

/** Packets held while waiting for gaps at most: 1 s (the longest default window) of a 10 Mbit/s stream, ~1.2 MB. */
const MAX_HELD_PACKETS = 1024;

/**
 * The video track of a WebRTC publisher, from RTP to hub frames: repair losses (NACK, wait for
 * the retransmission, reorder), depacketize, timestamp and write H.264 access units (passed
 * through, never decoded), or VP8 frames through the transcoder. Owns the keyframe policy: PLI at
 * start, as soon as a loss could not be repaired (frames wait for the keyframe meanwhile, so none
 * that depends on a lost one reaches the hub), and ahead of the keyframe interval while someone
 * reads the stream.
 */
export class VideoIngest {
  readonly #options: VideoIngestOptions;
  readonly #time: Clock;
  readonly #repair: RtpLossRepair;
  readonly #h264: H264Depacketizer | undefined;
  readonly #vp8: Vp8Depacketizer | undefined;
  readonly #keyframes: KeyframeRequester;
  #transcoder: Vp8ToH264Transcoder | undefined;
  #transcoderSize = '';
  #timer: TimerHandle | undefined;
  /** When #timer fires, ms on #time. */
  #timerAt = Infinity;
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  #closed = false;

  constructor(options: VideoIngestOptions) {
    this.#options = options;
    this.#time = options.time ?? systemClock;
    this.#repair = new RtpLossRepair({ ...options.repair, clockRate: 90000, maxPackets: MAX_HELD_PACKETS, nack: options.sendNack !== undefined });
    if (options.codec === 'h264') this.#h264 = new H264Depacketizer();
    else this.#vp8 = new Vp8Depacketizer();
    this.#keyframes = new KeyframeRequester({
      maxIntervalMs: options.transcode.keyframeIntervalMs,
      sendRequest: options.sendPli,
      // H.264 passes through: its keyframes come from the browser. The VP8 transcode makes its own.
      hasReaders: () => options.codec === 'h264' && options.stream.readersOf(options.track) > 0,
      roundTripMs: () => this.#repair.stats.rttMs,
      clock: this.#time,
    });
  }

  /** How well the video arrives, since the publish started. */
  quality(): IngestQuality {
    const repair = this.#repair.stats;
    return {
      packetsReceived: repair.packetsReceived,
      packetsLost: repair.packetsLost,
      nacksSent: repair.nacksSent,
      retransmissionsReceived: repair.retransmissionsReceived,
      duplicatePackets: repair.duplicates,
      latePackets: repair.latePackets,
      framesDropped: this.#h264?.stats.droppedAccessUnits ?? this.#vp8?.stats.droppedFrames ?? 0,
      keyframesRequested: this.#keyframes.requests,
      rttMs: repair.rttMs === undefined ? null : round(repair.rttMs),
      jitterMs: round(repair.jitterMs),
      repairWindowMs: round(repair.windowMs),
    };
  }

  /** Asks the publisher for a keyframe (a reader starts, or asks). */
  requestKeyframe(): void {
    this.#keyframes.request();
  }

  /** A round trip to the publisher measured elsewhere (an ICE check), ms. */
  onRoundTrip(rttMs: number): void {
    this.#repair.addRttSample(rttMs);
  }

  /**
   * One RTP packet of the video track (read during the call only); `retransmission`: it came
   * unwrapped from RTX.
   */
  onRtp(rtp: ReceivedRtp, retransmission = false): void {
    if (this.#closed) return;
    const { header } = rtp;
    const now = this.#time.now();
    this.#handle(this.#repair.receive({ sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker, payload: rtp.payload, receivedAt: now }, retransmission));
    this.#sendNacks(now);
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    this.#time.clearTimeout(this.#timer);
    this.#keyframes.close();
    this.#transcoder?.close();
  }

  #sendNacks(now: number): void {
    const send = this.#options.sendNack;
    if (!send) return;
    for (const sequenceNumbers of this.#repair.takeNacks(now)) send(sequenceNumbers);
  }

  /** One timer for the repair's next deadline (a gap given up on, a NACK to repeat), moved earlier when needed. */
  #schedule(): void {
    const deadline = this.#repair.nextDeadline();
    if (deadline === undefined) return;
    if (this.#timer !== undefined && deadline >= this.#timerAt) return;
    this.#time.clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timer = this.#time.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      if (this.#closed) return;
      const now = this.#time.now();
      this.#handle(this.#repair.poll(now));
      this.#sendNacks(now);
      this.#schedule();
    }, Math.max(0, deadline - this.#time.now()) + 1);
  }

  #handle(items: RtpStreamItem[]): void {
    for (const item of items) {
      if (item.kind === 'loss') {
        const { rttMs, windowMs } = this.#repair.stats;
        this.#options.logger.debug({ packets: item.count, windowMs, rttMs: rttMs === undefined ? null : round(rttMs) }, 'video packets lost beyond repair');
      }
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
    this.#transcoder?.close();
    const transcoder = new Vp8ToH264Transcoder(this.#options.transcode, width, height);
    this.#transcoder = transcoder;
    this.#transcoderSize = `${width}x${height}`;
    this.#options.logger.info({ width, height, codecSession: transcoder.sessionId }, 'VP8 publisher: transcoding to H.264');
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

/** Tenths of a millisecond are enough for people and dashboards. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
