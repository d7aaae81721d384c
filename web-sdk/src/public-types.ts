// The SDK's public contract: what a page passes in and gets back. Implemented by
// GatewaySession (session.ts) and GatewayStream (stream.ts).
import type { SessionStatus, StreamStatus } from './constants';
import type { CustomData } from './client-messages';
import type { PublishBitrates } from './publish-constraints';
import type { ServerFailure, UserData } from './server-messages';

/** Options of createSession(). */
export interface SessionOptions {
  /** Signalling URL, ws://host:port or wss://host:port. */
  urlServer: string;
  /** Application key sent in `connection`; default "defaultApp". */
  appKey?: string;
  /** Passed to the gateway untouched. */
  custom?: CustomData;
  /** Sent in `connection` for the gateway's connect REST hook to check (the official SDK's option). */
  authToken?: string;
  /** Connection timeout in ms: a WebSocket still connecting after it is closed (FAILED). Default: none. */
  timeout?: number;
  /** RTCPeerConnection configuration for this session's streams (the official SDK's option); default: the gateway's ICE servers. */
  mediaOptions?: RTCConfiguration;
  /** STUN/TURN servers for this session's streams, instead of those the gateway sends (getUserData). */
  iceServers?: RTCIceServer[];
  /** "relay" sends everything through TURN; default: the gateway's setting (ice_transport_policy), else "all". */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/** Callback arguments per session status; WARN receives the gateway's `fail` object, as in the official SDK. */
export type SessionEvents = {
  CONNECTED: [session: Session];
  ESTABLISHED: [session: Session, userData: UserData];
  DISCONNECTED: [session: Session];
  FAILED: [session: Session];
  WARN: [failure: ServerFailure];
};

/** A signalling connection to the gateway, with the official SDK's method names. */
export interface Session {
  /** Client-made session id (a UUID); the gateway's own sessionId is in the ESTABLISHED user data. */
  id(): string;
  /** Current status, one of SESSION_STATUS. */
  status(): SessionStatus;
  /** The urlServer the session connects to. */
  getServerUrl(): string;
  /** Registers the callback for one status; a second registration replaces the first. Returns this session. */
  on<K extends keyof SessionEvents>(event: K, callback: (...args: SessionEvents[K]) => void): Session;
  /** Creates a NEW stream; throws "Invalid session state <status>" unless ESTABLISHED, a TypeError without options.name. */
  createStream(options: StreamOptions): Stream;
  /** Streams that have not reached UNPUBLISHED or FAILED yet. */
  getStreams(): Stream[];
  /** Closes the WebSocket: status DISCONNECTED, every stream FAILED. */
  disconnect(): void;
}

/** Camera/microphone constraints as in getUserMedia; `video` may also carry bitrates in kbps, sent to the gateway. */
export interface PublishConstraints {
  audio?: boolean | MediaTrackConstraints;
  video?: boolean | (MediaTrackConstraints & PublishBitrates);
  /** The official SDK's name for StreamOptions.mediaStream. */
  customStream?: MediaStream;
}

/** Options of Session.createStream(). */
export interface StreamOptions {
  /** Stream name on the gateway (also the RTMP stream name unless rtmpUrl says otherwise). */
  name: string;
  /** Element a <video> is appended to: the local preview (muted) when publishing, the played stream when playing. */
  display?: HTMLElement;
  /** play(): a <video> of the page's own to play into instead of one appended to `display` (the official SDK's option). */
  remoteVideo?: HTMLVideoElement;
  /** Media to capture; default: init()'s constraints, else audio + 320×240 video. play(): `audio: false` or `video: false` leaves that kind out. */
  constraints?: PublishConstraints;
  /** RTMP URL the gateway republishes to. */
  rtmpUrl?: string;
  /** Record the stream on the gateway from publish to unpublish (files under its record_dir). */
  record?: boolean;
  /** Passed to the gateway untouched. */
  custom?: CustomData;
  /** Comma-separated codecs to leave out of the offer (publish or play), e.g. "VP8" or "H264,VP9". */
  stripCodecs?: string;
  /** Publish this stream (e.g. a canvas captureStream()) instead of capturing camera/microphone; it is not stopped on release. */
  mediaStream?: MediaStream;
}

/** Callback arguments per status a stream reports (NEW and PENDING are silent, as in the official SDK): the stream itself. */
export type StreamEvents = {
  PUBLISHING: [stream: Stream];
  UNPUBLISHED: [stream: Stream];
  PLAYING: [stream: Stream];
  STOPPED: [stream: Stream];
  FAILED: [stream: Stream];
};

/** A publishing or playing stream, with the official SDK's method names. */
export interface Stream {
  /** Captures media, negotiates and asks the gateway to publish; throws "Invalid stream state <status>" unless NEW. */
  publish(): void;
  /**
   * Asks the gateway for the stream named `name` over a receive-only connection and shows it in
   * `remoteVideo` or a <video> in `display`: PLAYING, then STOPPED or FAILED ("Stream not found"
   * when nothing of that name is published). Throws "Invalid stream state <status>" unless NEW.
   */
  play(): void;
  /** Unpublishes or stops playing; before publish()/play() it fails the stream, while PENDING it waits for the gateway's answer first. */
  stop(): void;
  /** Registers the callback for one status; a second registration replaces the first. Returns this stream. */
  on<K extends keyof StreamEvents>(event: K, callback: (...args: StreamEvents[K]) => void): Stream;
  /** Current status, one of STREAM_STATUS. */
  status(): StreamStatus;
  /** mediaSessionId, a UUID made by the client. */
  id(): string;
  /** Stream name given to createStream(). */
  name(): string;
  /** True once publish() was called (false for a played stream). */
  published(): boolean;
  /** Why the stream stopped or failed (STREAM_STATUS_INFO, or ERROR_INFO.LOCAL_ERROR); undefined before that. */
  getInfo(): string | undefined;
  /** The local error message when getInfo() is ERROR_INFO.LOCAL_ERROR. */
  getErrorInfo(): string | undefined;
  /** Disables the local audio tracks (the gateway receives silence). */
  muteAudio(): void;
  /** Re-enables the local audio tracks. */
  unmuteAudio(): void;
  /** True when there is no enabled local audio track. */
  isAudioMuted(): boolean;
  /** Disables the local video tracks (the gateway receives black frames). */
  muteVideo(): void;
  /** Re-enables the local video tracks. */
  unmuteVideo(): void;
  /** True when there is no enabled local video track. */
  isVideoMuted(): boolean;
  /** The MediaStream being published, or the one being played (tracks muted until media arrives); undefined before and after. */
  getMediaStream(): MediaStream | undefined;
}
