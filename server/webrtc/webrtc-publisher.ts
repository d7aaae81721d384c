import type { RTCPeerConnection } from 'werift';
import type { HubStream } from '../hub/stream';
import type { Logger } from '../log';
import { StreamStatusInfo } from '../hub/status-info';
import type { PublishCallbacks } from '../signalling/publish-service';
import type { OpusToAacOptions } from '../transcode/opus-to-aac';
import type { Vp8ToH264Options } from '../transcode/vp8-to-h264';
import { AudioIngest } from './audio-ingest';
import type { OfferSelection } from './offer-codecs';
import { RtpClock, SenderClock } from './rtp-clock';
import { VideoIngest } from './video-ingest';

/** ICE + DTLS must complete within this, ms. */
const CONNECT_TIMEOUT_MS = 20_000;
/** A publisher whose media stops for this long is dropped ("Failed by RTP activity"), ms. */
const RTP_INACTIVITY_TIMEOUT_MS = 10_000;

/** Media settings of a publisher. */
export interface PublisherMediaOptions {
  audio: OpusToAacOptions;
  video: Vp8ToH264Options;
}

/**
 * One WebRTC publish: the werift peer, its tracks feeding the hub stream, and its lifecycle
 * (PUBLISHING once DTLS is up; ended by the client, by ICE failure, or by silence on RTP).
 */
export class WebRtcPublisher {
  readonly #peer: RTCPeerConnection;
  readonly #stream: HubStream;
  readonly #callbacks: PublishCallbacks;
  readonly #log: Logger;
  readonly #sender = new SenderClock();
  #video: VideoIngest | undefined;
  #audio: AudioIngest | undefined;
  #lastRtpAt = performance.now();
  readonly #timers: NodeJS.Timeout[] = [];
  #publishing = false;
  #ended = false;

  constructor(peer: RTCPeerConnection, stream: HubStream, selection: OfferSelection, media: PublisherMediaOptions, callbacks: PublishCallbacks, logger: Logger) {
    this.#peer = peer;
    this.#stream = stream;
    this.#callbacks = callbacks;
    this.#log = logger;
    for (const transceiver of peer.getTransceivers()) {
      const { receiver } = transceiver;
      if (transceiver.kind === 'video' && selection.video) {
        // werift creates the remote track during setRemoteDescription, before any media flows.
        const track = receiver.track;
        const clock = new RtpClock(90000, this.#sender);
        const video = new VideoIngest({
          codec: selection.video.codec,
          stream,
          clock,
          sendPli: () => {
            if (track.ssrc !== undefined) void receiver.sendRtcpPLI(track.ssrc);
          },
          transcode: media.video,
          logger,
        });
        this.#video = video;
        track.onReceiveRtp.subscribe((rtp) => {
          this.#lastRtpAt = performance.now();
          video.onRtp(rtp);
        });
        track.onReceiveRtcp.subscribe((rtcp) => this.#onRtcp(rtcp, clock));
      } else if (transceiver.kind === 'audio' && selection.audio) {
        const track = receiver.track;
        const clock = new RtpClock(48000, this.#sender);
        const audio = new AudioIngest(stream, clock, media.audio, logger);
        this.#audio = audio;
        track.onReceiveRtp.subscribe((rtp) => {
          this.#lastRtpAt = performance.now();
          audio.onRtp(rtp);
        });
        track.onReceiveRtcp.subscribe((rtcp) => this.#onRtcp(rtcp, clock));
      }
    }
    peer.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#onConnected();
      else if (state === 'failed') this.end(StreamStatusInfo.FAILED_BY_ICE_ERROR, true);
      else if (state === 'closed') this.end(StreamStatusInfo.FAILED_BY_DTLS_ERROR, true);
    });
    this.#timers.push(setTimeout(() => {
      if (!this.#publishing) this.end(StreamStatusInfo.FAILED_BY_ICE_TIMEOUT, true);
    }, CONNECT_TIMEOUT_MS));
  }

  /** Asks the browser for a keyframe. */
  requestKeyframe(): void {
    this.#video?.requestKeyframe();
  }

  /** Ends the publish (idempotent): peer closed, stream closed with `info` as the reason. */
  end(info: string, failed: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#video?.close();
    this.#audio?.close();
    void this.#peer.close();
    this.#stream.close(info);
    this.#log.info({ reason: info }, failed ? 'publish failed' : 'publish ended');
    this.#callbacks.onEnded(info, failed);
  }

  #onConnected(): void {
    if (this.#publishing || this.#ended) return;
    this.#publishing = true;
    this.#lastRtpAt = performance.now();
    this.#log.info('publishing');
    this.#callbacks.onPublishing();
    const watchdog = setInterval(() => {
      if (performance.now() - this.#lastRtpAt > RTP_INACTIVITY_TIMEOUT_MS) this.end(StreamStatusInfo.FAILED_BY_RTP_ACTIVITY, true);
    }, 1000);
    this.#timers.push(watchdog);
  }

  #onRtcp(rtcp: unknown, clock: RtpClock): void {
    const report = rtcp as { type?: number; senderInfo?: { ntpTimestamp: bigint; rtpTimestamp: number } };
    if (report.type !== 200 || !report.senderInfo) return;
    const ntp = report.senderInfo.ntpTimestamp;
    const ntpMs = Number(ntp >> 32n) * 1000 + (Number(ntp & 0xffffffffn) / 0x1_0000_0000) * 1000;
    clock.onSenderReport(ntpMs, report.senderInfo.rtpTimestamp, performance.now());
  }
}
