import { ERROR_INFO, STREAM_STATUS, type StreamStatus } from './constants';
import { type ClientMessage, type WireConstraints, playStreamRequest, publishStreamRequest, stopStreamRequest, unpublishStreamRequest } from './client-messages';
import { EventCallbacks } from './event-callbacks';
import { type LocalMedia, acquireLocalMedia, attachPreview, detachPreview, releaseLocalMedia, setTracksEnabled } from './local-media';
import { type PlaybackVideo, attachPlayback, detachPlayback } from './playback-video';
import { PlayerPeer } from './player-peer';
import { type PublishBitrates, publishBitrates } from './publish-constraints';
import type { PublishConstraints, Stream, StreamEvents, StreamOptions } from './public-types';
import { PublisherPeer } from './publisher-peer';
import { randomUuid } from './uuid';

/** What a stream needs from the session that created it. */
export interface StreamHost {
  /** Sends a message if the WebSocket is open. */
  send(message: ClientMessage): void;
  /** Called once, when the stream reaches UNPUBLISHED, STOPPED or FAILED: the session stops routing messages to it. */
  forget(mediaSessionId: string): void;
  /** RTCPeerConnection configuration: session `mediaOptions` with the ICE servers in force (ice-configuration.ts). */
  readonly peerConfig: RTCConfiguration;
  /** Constraints used when the stream has neither `constraints` nor `mediaStream`. */
  readonly defaultConstraints: PublishConstraints;
}

// The statuses the gateway reports; NEW and PENDING are client-side only.
const REPORTED_STATUSES: ReadonlySet<string> = new Set([STREAM_STATUS.PUBLISHING, STREAM_STATUS.UNPUBLISHED, STREAM_STATUS.PLAYING, STREAM_STATUS.STOPPED, STREAM_STATUS.FAILED]);
// The statuses after which a stream is released and hears nothing more.
const FINAL_STATUSES: ReadonlySet<StreamStatus> = new Set([STREAM_STATUS.UNPUBLISHED, STREAM_STATUS.STOPPED, STREAM_STATUS.FAILED]);

/**
 * Stream implementation: publish() sends local media, play() receives a stream from the gateway.
 * The session feeds it the gateway's messages through the handle* methods.
 */
export class GatewayStream implements Stream {
  private readonly mediaSessionId = randomUuid();
  private readonly callbacks = new EventCallbacks<StreamEvents>();
  private currentStatus: StreamStatus = STREAM_STATUS.NEW;
  /** Set by publish() or play(). */
  private role?: 'publish' | 'play';
  private info?: string;
  private errorInfo?: string;
  private media?: LocalMedia;
  private preview?: HTMLVideoElement;
  private peer?: PublisherPeer;
  private player?: PlayerPeer;
  private playbackVideo?: PlaybackVideo;
  private offerSent = false;
  private stopSent = false;
  /** stop() came while PENDING: it takes effect on PUBLISHING or PLAYING. */
  private stopWhenStarted = false;

  constructor(
    private readonly options: StreamOptions,
    private readonly host: StreamHost,
  ) {}

  publish(): void {
    this.start('publish');
    this.negotiatePublish().catch((error: unknown) => this.failLocally(error));
  }

  play(): void {
    this.start('play');
    this.negotiatePlay().catch((error: unknown) => this.failLocally(error));
  }

  stop(): void {
    switch (this.currentStatus) {
      case STREAM_STATUS.NEW:
        this.handleStatusEvent(STREAM_STATUS.FAILED);
        return;
      case STREAM_STATUS.PENDING:
        // As the official SDK: a publish or play in flight is stopped once the gateway has answered it.
        this.stopWhenStarted = true;
        return;
      case STREAM_STATUS.PUBLISHING:
      case STREAM_STATUS.PLAYING:
        this.sendStop();
        this.releaseMedia();
        return;
      default:
        return;
    }
  }

  on<K extends keyof StreamEvents>(event: K, callback: (...args: StreamEvents[K]) => void): Stream {
    this.callbacks.set(event, callback);
    return this;
  }

  status(): StreamStatus {
    return this.currentStatus;
  }

  id(): string {
    return this.mediaSessionId;
  }

  name(): string {
    return this.options.name;
  }

  published(): boolean {
    return this.role === 'publish';
  }

  getInfo(): string | undefined {
    return this.info;
  }

  getErrorInfo(): string | undefined {
    return this.errorInfo;
  }

  muteAudio(): void {
    setTracksEnabled(this.media?.stream.getAudioTracks() ?? [], false);
  }

  unmuteAudio(): void {
    setTracksEnabled(this.media?.stream.getAudioTracks() ?? [], true);
  }

  isAudioMuted(): boolean {
    return !(this.media?.stream.getAudioTracks() ?? []).some((track) => track.enabled);
  }

  muteVideo(): void {
    setTracksEnabled(this.media?.stream.getVideoTracks() ?? [], false);
  }

  unmuteVideo(): void {
    setTracksEnabled(this.media?.stream.getVideoTracks() ?? [], true);
  }

  isVideoMuted(): boolean {
    return !(this.media?.stream.getVideoTracks() ?? []).some((track) => track.enabled);
  }

  getMediaStream(): MediaStream | undefined {
    return this.media?.stream ?? this.player?.stream;
  }

  /** Applies the gateway's `setRemoteSDP` answer, then (publishing) the maxBitrate constraint. */
  handleRemoteSdp(sdp: string): void {
    if (this.isFinished()) {
      return;
    }
    if (this.player !== undefined) {
      this.player.acceptAnswer(sdp).catch((error: unknown) => this.failLocally(error));
      return;
    }
    const peer = this.peer;
    if (peer === undefined) {
      return;
    }
    const maxKbps = this.bitrates().maxBitrate;
    peer
      .acceptAnswer(sdp)
      .then(() => (maxKbps === undefined ? undefined : peer.limitVideoBitrate(maxKbps)))
      .catch((error: unknown) => this.failLocally(error));
  }

  /** Applies a status from the gateway, a `fail` or the session closing; ignored once UNPUBLISHED, STOPPED or FAILED. */
  handleStatusEvent(status: string, info?: string): void {
    if (this.isFinished() || !isReportedStatus(status)) {
      return;
    }
    this.currentStatus = status;
    if (info !== undefined) {
      this.info = info;
    }
    if (this.isFinished()) {
      this.releaseMedia();
      this.host.forget(this.mediaSessionId);
    }
    this.callbacks.fire(status, this);
    if ((status === STREAM_STATUS.PUBLISHING || status === STREAM_STATUS.PLAYING) && this.stopWhenStarted) {
      this.stop();
    }
  }

  private start(role: 'publish' | 'play'): void {
    if (this.currentStatus !== STREAM_STATUS.NEW) {
      throw new Error(`Invalid stream state ${this.currentStatus}`);
    }
    this.currentStatus = STREAM_STATUS.PENDING;
    this.role = role;
  }

  private async negotiatePlay(): Promise<void> {
    const { constraints } = this.options;
    this.player = new PlayerPeer(this.host.peerConfig, { audio: constraints?.audio !== false, video: constraints?.video !== false }, this.options.stripCodecs ?? '');
    this.playbackVideo = attachPlayback(this.options, this.player.stream, this.mediaSessionId);
    const sdp = await this.player.createOffer();
    if (this.isFinished()) {
      return;
    }
    this.host.send({
      message: 'playStream',
      payload: playStreamRequest({ mediaSessionId: this.mediaSessionId, name: this.options.name, sdp, custom: this.options.custom }),
    });
    this.offerSent = true;
  }

  private async negotiatePublish(): Promise<void> {
    const provided = this.options.mediaStream ?? this.options.constraints?.customStream;
    const requested = this.options.constraints ?? (provided === undefined ? this.host.defaultConstraints : undefined);
    this.media = await acquireLocalMedia(provided, { audio: requested?.audio, video: requested?.video });
    if (this.isFinished()) {
      // The session closed while the browser was asking for camera access.
      this.releaseMedia();
      return;
    }
    const stream = this.media.stream;
    if (this.options.display !== undefined) {
      this.preview = attachPreview(this.options.display, stream, this.mediaSessionId);
    }
    this.peer = new PublisherPeer(stream, this.host.peerConfig, this.options.stripCodecs ?? '');
    const sdp = await this.peer.createOffer();
    if (this.isFinished()) {
      return;
    }
    const hasAudio = stream.getAudioTracks().length > 0;
    const hasVideo = stream.getVideoTracks().length > 0;
    this.host.send({
      message: 'publishStream',
      payload: publishStreamRequest({
        mediaSessionId: this.mediaSessionId,
        name: this.options.name,
        sdp,
        hasAudio,
        hasVideo,
        constraints: wireConstraints(requested, hasAudio, hasVideo),
        bitrates: this.bitrates(),
        rtmpUrl: this.options.rtmpUrl,
        custom: this.options.custom,
        record: this.options.record,
      }),
    });
    this.offerSent = true;
  }

  /** FAILED with ERROR_INFO.LOCAL_ERROR, as the official SDK reports media and negotiation errors. */
  private failLocally(error: unknown): void {
    if (this.isFinished()) {
      return;
    }
    this.errorInfo = localErrorText(error);
    if (this.offerSent) {
      // The gateway already holds a session for our offer; let it go now rather than at its ICE timeout.
      this.sendStop();
    }
    this.handleStatusEvent(STREAM_STATUS.FAILED, ERROR_INFO.LOCAL_ERROR);
  }

  /** unPublishStream for a publish, stopStream for a play; once. */
  private sendStop(): void {
    if (this.stopSent) {
      return;
    }
    this.stopSent = true;
    const fields = { mediaSessionId: this.mediaSessionId, name: this.options.name, status: this.currentStatus };
    this.host.send(
      this.role === 'play'
        ? { message: 'stopStream', payload: stopStreamRequest(fields) }
        : { message: 'unPublishStream', payload: unpublishStreamRequest(fields) },
    );
  }

  private releaseMedia(): void {
    this.peer?.close();
    this.peer = undefined;
    this.player?.close();
    this.player = undefined;
    if (this.playbackVideo !== undefined) {
      detachPlayback(this.playbackVideo);
      this.playbackVideo = undefined;
    }
    if (this.preview !== undefined) {
      detachPreview(this.preview);
      this.preview = undefined;
    }
    if (this.media !== undefined) {
      releaseLocalMedia(this.media);
      this.media = undefined;
    }
  }

  private bitrates(): PublishBitrates {
    return publishBitrates(this.options.constraints);
  }

  private isFinished(): boolean {
    return FINAL_STATUSES.has(this.currentStatus);
  }
}

/** The constraints media was captured with (without the unserialisable customStream), or what a provided stream carries. */
function wireConstraints(requested: PublishConstraints | undefined, hasAudio: boolean, hasVideo: boolean): WireConstraints {
  if (requested === undefined) {
    return { audio: hasAudio, video: hasVideo };
  }
  return { audio: requested.audio ?? false, video: requested.video ?? false };
}

function isReportedStatus(status: string): status is keyof StreamEvents {
  return REPORTED_STATUSES.has(status);
}

/** The text of a local failure; getUserMedia's OverconstrainedError has no message, only the constraint it missed. */
function localErrorText(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  if (error.message !== '') {
    return error.message;
  }
  return 'constraint' in error && typeof error.constraint === 'string' ? `${error.name}: ${error.constraint}` : error.name;
}
