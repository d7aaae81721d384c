import type { RTCPeerConnection } from 'werift';
import { EndReasons, type EndReason } from '../hub/end-reason';
import type { IngestQuality } from '../hub/ingest-quality';
import type { HubStream } from '../hub/stream';
import type { Logger } from '../log';
import type { RepairWindowOptions } from '../media/rtp/repair-window';
import { StreamStatusInfo } from '../hub/status-info';
import type { PublishEvents } from '../signalling/publish-service';
import type { Vp8ToH264Options } from '../transcode/vp8-to-h264';
import { AudioIngest } from './audio-ingest';
import { IceRoundTrip } from './ice-round-trip';
import { MediaFastPath } from './media-fast-path';
import { ntpToMs } from './ntp-time';
import type { OfferSelection } from './offer-codecs';
import type { RtpSink } from './received-rtp';
import { hookReceiverRepair } from './receiver-repair-hooks';
import { RtcpFeedbackSender } from './rtcp-feedback';
import { RtpClock, SenderClock } from './rtp-clock';
import { VideoIngest } from './video-ingest';

/** ICE + DTLS must complete within this, ms. */
const CONNECT_TIMEOUT_MS = 20_000;
/** A publisher whose media stops for this long is dropped ("Failed by RTP activity"), ms. */
const RTP_INACTIVITY_TIMEOUT_MS = 10_000;

/** Media settings of a publisher. */
export interface PublisherMediaOptions {
  /** How a VP8 publisher is transcoded to H.264. */
  video: Vp8ToH264Options;
  /** How long a missing video packet is waited for (its retransmission asked for meanwhile). */
  repair: RepairWindowOptions;
}

/**
 * One WebRTC publish: the werift peer, its tracks feeding the hub stream (H.264, or VP8 transcoded
 * to H.264, and Opus), and its lifecycle (PUBLISHING once DTLS is up; ended by the client, by ICE
 * failure, by silence on RTP, or by its stream ending from the hub's side).
 */
export class WebRtcPublisher {
  readonly #peer: RTCPeerConnection;
  readonly #stream: HubStream;
  readonly #callbacks: PublishEvents;
  readonly #log: Logger;
  readonly #sender = new SenderClock();
  #video: VideoIngest | undefined;
  #iceRoundTrip: IceRoundTrip | undefined;
  #lastRtpAt = performance.now();
  readonly #timers: NodeJS.Timeout[] = [];
  #publishing = false;
  #ended = false;

  constructor(peer: RTCPeerConnection, stream: HubStream, selection: OfferSelection, media: PublisherMediaOptions, callbacks: PublishEvents, logger: Logger) {
    this.#peer = peer;
    this.#stream = stream;
    this.#callbacks = callbacks;
    this.#log = logger;
    // Media goes straight to the ingests once DTLS is up; werift's track events carry what it leaves to werift.
    const fastPath = MediaFastPath.attach(peer, logger);
    if (!fastPath) logger.warn('RTP takes werift\'s receive path: its transport internals are not as expected, or SRTP has already started');
    for (const transceiver of peer.getTransceivers()) {
      const { receiver } = transceiver;
      if (transceiver.kind === 'video' && selection.video) {
        // werift creates the remote track during setRemoteDescription, before any media flows.
        const track = receiver.track;
        const clock = new RtpClock(90000, this.#sender);
        const feedback = new RtcpFeedbackSender(receiver, () => track.ssrc, { pli: selection.video.pli, logger });
        const repair = hookReceiverRepair(receiver);
        if (!repair) logger.warn('werift receiver internals not as expected: werift keeps sending its own NACKs');
        const nack = repair !== undefined && selection.video.nack;
        const video = new VideoIngest({
          codec: selection.video.codec,
          stream,
          track: stream.addTrack({ kind: 'video', codec: 'h264', timescale: 90000 }),
          clock,
          sendPli: () => feedback.pli(),
          ...(nack ? { sendNack: (sequenceNumbers: readonly number[]) => feedback.nack(sequenceNumbers) } : {}),
          repair: media.repair,
          transcode: media.video,
          logger,
        });
        this.#video = video;
        this.#iceRoundTrip = new IceRoundTrip(receiver);
        logger.info({ nack, rtx: selection.video.rtxPayloadType !== undefined, pli: selection.video.pli, repairWindow: media.repair.window }, 'video loss repair');
        const onRtp: RtpSink = (rtp, retransmission) => {
          this.#lastRtpAt = performance.now();
          video.onRtp(rtp, retransmission);
        };
        track.onReceiveRtp.subscribe((rtp) => onRtp(rtp, repair?.deliveringRetransmission ?? false));
        // Only with the repair hooks: without them werift's own NACKs need its receive path.
        if (repair) fastPath?.deliver(receiver, onRtp);
        track.onReceiveRtcp.subscribe((rtcp) => this.#onRtcp(rtcp, clock, 'video'));
      } else if (transceiver.kind === 'audio' && selection.audio) {
        const track = receiver.track;
        // With video, the video track fixes the publisher's clock offset (see RtpClock).
        const clock = new RtpClock(48000, this.#sender, { leads: !selection.video });
        const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: selection.audio.stereo ? 2 : 1 } });
        const audio = new AudioIngest(stream, opus, clock);
        const onRtp: RtpSink = (rtp) => {
          this.#lastRtpAt = performance.now();
          audio.onRtp(rtp);
        };
        track.onReceiveRtp.subscribe((rtp) => onRtp(rtp, false));
        fastPath?.deliver(receiver, onRtp);
        track.onReceiveRtcp.subscribe((rtcp) => this.#onRtcp(rtcp, clock, 'audio'));
      }
    }
    peer.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#onConnected();
      else if (state === 'failed') this.end(EndReasons.failure(StreamStatusInfo.FAILED_BY_ICE_ERROR));
      else if (state === 'closed') this.end(EndReasons.failure(StreamStatusInfo.FAILED_BY_DTLS_ERROR));
    });
    // The path may end the stream (gateway shutdown): the publish ends with it.
    stream.once('close', (reason) => this.end(reason));
    this.#timers.push(setTimeout(() => {
      if (!this.#publishing) this.end(EndReasons.failure(StreamStatusInfo.FAILED_BY_ICE_TIMEOUT));
    }, CONNECT_TIMEOUT_MS));
  }

  /** Asks the browser for a keyframe. */
  requestKeyframe(): void {
    this.#video?.requestKeyframe();
  }

  /** How well the video arrives; undefined without video. */
  quality(): IngestQuality | undefined {
    return this.#video?.quality();
  }

  /** Ends the publish (idempotent): peer closed, stream closed with `reason`, the client told. */
  end(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#video?.close();
    void this.#peer.close();
    this.#stream.close(reason);
    const failed = reason.code === 'failure';
    // Every end gets its 'publish ended' summary where the stream leaves its path; a failure is said here too.
    if (failed) this.#log.info({ reason: reason.info }, 'publish failed');
    this.#callbacks.onEnded(reason.info, failed);
  }

  #onConnected(): void {
    if (this.#publishing || this.#ended) return;
    this.#publishing = true;
    this.#lastRtpAt = performance.now();
    this.#log.info('publishing');
    this.#callbacks.onPublishing();
    this.#takeIceRoundTrip();
    const watchdog = setInterval(() => {
      if (performance.now() - this.#lastRtpAt > RTP_INACTIVITY_TIMEOUT_MS) this.end(EndReasons.failure(StreamStatusInfo.FAILED_BY_RTP_ACTIVITY));
      this.#takeIceRoundTrip();
    }, 1000);
    this.#timers.push(watchdog);
  }

  /** The ICE agent's latest round trip (its checks, then consent checks every ~5 s) feeds the video's estimate. */
  #takeIceRoundTrip(): void {
    const rttMs = this.#iceRoundTrip?.takeSample();
    if (rttMs !== undefined) this.#video?.onRoundTrip(rttMs);
  }

  #onRtcp(rtcp: unknown, clock: RtpClock, kind: 'audio' | 'video'): void {
    const report = rtcp as { type?: number; senderInfo?: { ntpTimestamp: bigint; rtpTimestamp: number } };
    if (report.type !== 200 || !report.senderInfo) return;
    const stepMs = clock.onSenderReport(ntpToMs(report.senderInfo.ntpTimestamp), report.senderInfo.rtpTimestamp, performance.now());
    if (stepMs !== undefined) this.#log.info({ kind, stepMs: Math.round(stepMs) }, 'track follows its sender\'s clock (its sender reports agree)');
  }
}
