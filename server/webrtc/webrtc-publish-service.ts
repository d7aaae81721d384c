import { EndReasons } from '../hub/end-reason';
import type { StreamSource } from '../hub/stream';
import { StreamStatusInfo } from '../hub/status-info';
import type { Logger } from '../log';
import type { LimitReporter } from '../metrics/limits';
import type { LocalPaths } from '../paths/local-paths';
import { StreamNameInUseError } from '../paths/stream-name-in-use';
import type { PublishStreamRequest } from '../signalling/protocol';
import { PublishRejectedError, type PublishCallbacks, type PublishHandle, type PublishService } from '../signalling/publish-service';
import { installFastRtpPackets } from './fast-rtp-packet';
import { installFastSrtp } from './fast-srtp';
import { selectOfferCodecs, UnsupportedOfferError, type OfferSelection, type PublishBitrates } from './offer-codecs';
import { offerRefusal, type OfferLimits } from './offer-limits';
import { answerOffer, type PeerNetworkOptions } from './receiving-peer';
import { WebRtcPublisher, type PublisherMediaOptions } from './webrtc-publisher';

/** Everything WebRTC publishing needs from the settings. */
export interface WebRtcPublishOptions {
  network: PeerNetworkOptions;
  bitrates: PublishBitrates;
  media: PublisherMediaOptions;
  /** Offers beyond these are refused before werift sees them. */
  offer: OfferLimits;
  /** Told of every refused offer (`webrtc_offer`). */
  limits: LimitReporter;
  /** Called once a publish negotiated when its request asks for outputs: an rtmpUrl (SDK `createStream({rtmpUrl})`), a recording (`record: true`). */
  onOutputs: (request: PublishStreamRequest) => void;
}

/**
 * Accepts WebRTC publishes for the signalling: checks and reads the offer, has the publish
 * authorized, registers the stream in the hub (refusing a name in use), answers with a werift peer,
 * and keeps the publishers until they end.
 */
export class WebRtcPublishService implements PublishService {
  readonly #paths: LocalPaths;
  readonly #options: WebRtcPublishOptions;
  readonly #publishers = new Set<WebRtcPublisher>();

  constructor(paths: LocalPaths, options: WebRtcPublishOptions) {
    this.#paths = paths;
    this.#options = options;
    // werift's per-packet costs, paid on every RTP packet received: see both modules.
    installFastSrtp();
    installFastRtpPackets();
  }

  /** Publishers currently connected or connecting. */
  get count(): number {
    return this.#publishers.size;
  }

  async publish(offered: PublishStreamRequest, callbacks: PublishCallbacks, logger: Logger): Promise<PublishHandle> {
    const refusal = offerRefusal(offered.sdp, this.#options.offer);
    if (refusal !== undefined) {
      this.#options.limits.reached('webrtc_offer');
      logger.warn({ limit: 'webrtc_offer', reason: refusal }, 'publish refused: offer out of bounds');
      throw new PublishRejectedError(`Invalid SDP offer: ${refusal}`);
    }
    let selection: OfferSelection;
    try {
      selection = selectOfferCodecs(offered.sdp);
    } catch (err) {
      if (err instanceof UnsupportedOfferError) {
        logger.warn({ reason: err.message }, 'publish refused');
        throw new PublishRejectedError(StreamStatusInfo.NO_COMMON_CODECS);
      }
      throw err;
    }
    const request = await callbacks.authorize(offered);
    let publisher: WebRtcPublisher | undefined;
    const source: StreamSource = {
      kind: request.ingest ?? 'webrtc',
      mediaSessionId: request.mediaSessionId,
      requestKeyframe: () => publisher?.requestKeyframe(),
      stats: () => publisher?.quality(),
    };
    let stream;
    try {
      stream = this.#paths.publish(request.name, source);
    } catch (err) {
      if (err instanceof StreamNameInUseError) throw new PublishRejectedError(StreamStatusInfo.STREAM_NAME_ALREADY_IN_USE);
      throw err;
    }
    let answered;
    try {
      answered = await answerOffer(selection, this.#options.network, this.#bitrates(request));
    } catch (err) {
      stream.close(EndReasons.failure(StreamStatusInfo.FAILED_BY_ERROR));
      throw err;
    }
    let created: WebRtcPublisher;
    try {
      created = new WebRtcPublisher(answered.peer, stream, selection, this.#options.media, {
        onPublishing: () => callbacks.onPublishing(),
        onEnded: (info, failed) => {
          this.#publishers.delete(created);
          callbacks.onEnded(info, failed);
        },
      }, logger);
    } catch (err) {
      // Nothing holds the peer or the stream yet: its ports would stay bound and its name taken.
      stream.close(EndReasons.failure(StreamStatusInfo.FAILED_BY_ERROR));
      await answered.peer.close();
      throw err;
    }
    logger.info({ video: selection.video?.codec ?? 'none', audio: selection.audio?.codec ?? 'none' }, 'publish negotiated');
    publisher = created;
    this.#publishers.add(created);
    if (request.rtmpUrl || request.record) this.#options.onOutputs(request);
    return { answerSdp: answered.answerSdp, stop: (reason) => created.end(reason) };
  }

  /** Ends every publish still running (gateway shutdown). */
  close(): void {
    for (const publisher of [...this.#publishers]) publisher.end(EndReasons.shutdown);
  }

  /** The client's maxBitrate (kbit/s) lowers the configured ceiling. */
  #bitrates(request: PublishStreamRequest): PublishBitrates {
    const { start, min, max } = this.#options.bitrates;
    const ceiling = request.maxBitrate !== undefined ? Math.min(max, request.maxBitrate) : max;
    return { start: Math.min(start, ceiling), min: Math.min(min, ceiling), max: ceiling };
  }
}
