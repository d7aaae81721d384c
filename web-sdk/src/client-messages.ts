import type { StreamStatus } from './constants';
import type { PublishBitrates } from './publish-constraints';

/** A user-provided object passed to the server untouched (the official `custom` option). */
export type CustomData = Readonly<Record<string, unknown>>;

/** Track constraints as sent to the server: false when a track is not published, or the page's constraint object. */
export interface WireConstraints {
  audio: boolean | object;
  video: boolean | object;
}

/** `connection`: the first request on a new WebSocket; the server answers `getUserData`. */
export interface ConnectionRequest {
  appKey: string;
  mediaProviders: ['WebRTC'];
  keepAlive: false;
  clientVersion: '2.0';
  clientOSVersion: string;
  clientBrowserVersion: string;
  msePacketizationVersion: 2;
  authToken?: string;
  custom?: CustomData;
}

/** `publishStream`: the complete offer (ICE candidates included, no trickle); the server answers `setRemoteSDP`. */
export interface PublishStreamRequest extends PublishBitrates {
  mediaSessionId: string;
  name: string;
  published: true;
  hasVideo: boolean;
  hasAudio: boolean;
  status: 'PENDING';
  record: boolean;
  mediaProvider: 'WebRTC';
  sdp: string;
  custom?: CustomData;
  rtmpUrl?: string;
  constraints: WireConstraints;
}

/** `unPublishStream`: stop a stream; the server answers `notifyStreamStatusEvent` UNPUBLISHED. */
export interface UnpublishStreamRequest {
  mediaSessionId: string;
  name: string;
  published: true;
  hasVideo: true;
  hasAudio: true;
  status: StreamStatus;
  record: false;
}

/** Every message this client sends, with the single object that goes into `data[0]`. */
export type ClientMessage =
  | { message: 'connection'; payload: ConnectionRequest }
  | { message: 'publishStream'; payload: PublishStreamRequest }
  | { message: 'unPublishStream'; payload: UnpublishStreamRequest }
  | { message: 'pong'; payload: null };

/** Serialises a message as the WebSocket text frame `{"message": <name>, "data": [payload]}`. */
export function encodeClientMessage(message: ClientMessage): string {
  return JSON.stringify({ message: message.message, data: [message.payload] });
}

/** Builds the `connection` request; the browser strings come from navigator.appVersion and navigator.userAgent. */
export function connectionRequest(fields: {
  appKey: string;
  clientOSVersion: string;
  clientBrowserVersion: string;
  authToken?: string;
  custom?: CustomData;
}): ConnectionRequest {
  return {
    appKey: fields.appKey,
    mediaProviders: ['WebRTC'],
    keepAlive: false,
    clientVersion: '2.0',
    clientOSVersion: fields.clientOSVersion,
    clientBrowserVersion: fields.clientBrowserVersion,
    msePacketizationVersion: 2,
    authToken: fields.authToken,
    custom: fields.custom,
  };
}

/** Builds the `publishStream` request; bitrates (kbps) are included only when present. */
export function publishStreamRequest(fields: {
  mediaSessionId: string;
  name: string;
  sdp: string;
  hasVideo: boolean;
  hasAudio: boolean;
  constraints: WireConstraints;
  bitrates: PublishBitrates;
  rtmpUrl?: string;
  custom?: CustomData;
  record?: boolean;
}): PublishStreamRequest {
  return {
    mediaSessionId: fields.mediaSessionId,
    name: fields.name,
    published: true,
    hasVideo: fields.hasVideo,
    hasAudio: fields.hasAudio,
    status: 'PENDING',
    record: fields.record === true,
    mediaProvider: 'WebRTC',
    sdp: fields.sdp,
    custom: fields.custom,
    rtmpUrl: fields.rtmpUrl,
    constraints: fields.constraints,
    ...fields.bitrates,
  };
}

/** Builds the `unPublishStream` request; `status` is the stream's status when stop() was called. */
export function unpublishStreamRequest(fields: { mediaSessionId: string; name: string; status: StreamStatus }): UnpublishStreamRequest {
  return {
    mediaSessionId: fields.mediaSessionId,
    name: fields.name,
    published: true,
    hasVideo: true,
    hasAudio: true,
    status: fields.status,
    record: false,
  };
}
