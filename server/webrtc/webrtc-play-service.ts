import { EndReasons } from '../hub/end-reason';
import type { Logger } from '../log';
import type { LimitReporter } from '../metrics/limits';
import type { LocalPaths } from '../paths/local-paths';
import { PlayRejectedError, type PlayEvents, type PlayHandle, type PlayRequest, type PlayService } from '../signalling/play-service';
import { installFastRtpPackets } from './fast-rtp-packet';
import { installFastSrtp } from './fast-srtp';
import type { OfferLimits } from './offer-limits';
import type { PeerNetworkOptions } from './peer-network';
import { installSenderReportClock } from './sender-report-clock';
import { answerViewer } from './sending-peer';
import { WebRtcViewer } from './webrtc-viewer';

/** Everything WebRTC playback needs from the settings. */
export interface WebRtcPlayOptions {
  network: PeerNetworkOptions;
  /** Offers beyond these are refused before werift sees them. */
  offer: OfferLimits;
  /** Viewers in this process at once, negotiating or playing; more are refused ('limit'). */
  maxViewers: number;
  /** Told of every refused viewer: `webrtc_viewers` beyond maxViewers, `webrtc_offer` for an offer out of bounds. */
  limits: LimitReporter;
}

/**
 * Plays published streams to WebRTC viewers (WHEP, WCS playStream): checks the name and the
 * bound on viewers, answers the offer with a send-only werift peer, and keeps the viewers until
 * they end. Each viewer is one more reader of its stream.
 */
export class WebRtcPlayService implements PlayService {
  readonly #paths: Pick<LocalPaths, 'stream'>;
  readonly #options: WebRtcPlayOptions;
  readonly #viewers = new Set<WebRtcViewer>();
  /** Viewers whose offer is being answered: they count against maxViewers too. */
  #negotiating = 0;
  #closed = false;

  constructor(paths: Pick<LocalPaths, 'stream'>, options: WebRtcPlayOptions) {
    this.#paths = paths;
    this.#options = options;
    // werift's per-packet costs: SRTP keys as KeyObjects (encryption too), cheap RtpPacket clones (every packet sent).
    installFastSrtp();
    installFastRtpPackets();
    // The viewers' sender reports: browsers sync audio and video by them.
    installSenderReportClock();
  }

  /** Viewers negotiating or playing. */
  get count(): number {
    return this.#viewers.size + this.#negotiating;
  }

  async play(request: PlayRequest, events: PlayEvents, logger: Logger): Promise<PlayHandle> {
    const { name } = request;
    if (this.#closed) throw shuttingDown();
    if (!this.#paths.stream(name)) throw new PlayRejectedError('unknown-stream', `Stream ${name} is not published`);
    if (this.count >= this.#options.maxViewers) {
      this.#options.limits.reached('webrtc_viewers');
      logger.warn({ limit: 'webrtc_viewers', max: this.#options.maxViewers }, 'play refused: too many viewers');
      throw new PlayRejectedError('limit', `Too many viewers on this gateway (at most ${this.#options.maxViewers})`);
    }
    this.#negotiating++;
    let sending;
    try {
      sending = await answerViewer(request.sdp, this.#options);
    } finally {
      this.#negotiating--;
    }
    // The stream may have ended, or been replaced by a new publish, while the offer was answered.
    const stream = this.#paths.stream(name);
    if (this.#closed || !stream || stream.closed) {
      await sending.peer.close();
      throw this.#closed ? shuttingDown() : new PlayRejectedError('unknown-stream', `Stream ${name} is not published`);
    }
    const viewer: WebRtcViewer = new WebRtcViewer(sending, stream, {
      onPlaying: () => events.onPlaying(),
      onEnded: (info, failed) => {
        this.#viewers.delete(viewer);
        events.onEnded(info, failed);
      },
    }, logger);
    this.#viewers.add(viewer);
    logger.info({ streamId: stream.id, video: sending.video ? 'h264' : 'none', audio: sending.audio ? 'opus' : 'none' }, 'viewer negotiated');
    return { answerSdp: sending.answerSdp, stop: (reason) => viewer.stop(reason) };
  }

  /** Ends every viewer and refuses new ones (gateway shutdown); idempotent. */
  close(): void {
    this.#closed = true;
    for (const viewer of [...this.#viewers]) viewer.stop(EndReasons.shutdown);
  }
}

function shuttingDown(): PlayRejectedError {
  return new PlayRejectedError('limit', 'The gateway is shutting down');
}
