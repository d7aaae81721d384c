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

/** `playStream`: a receive-only offer (ICE candidates included); the server answers `setRemoteSDP`, then PLAYING. */
export interface PlayStreamRequest {
  mediaSessionId: string;
  name: string;
  published: false;
  hasVideo: true;
  hasAudio: true;
  status: 'PENDING';
  record: false;
  mediaProvider: 'WebRTC';
  sdp: string;
  custom?: CustomData;
}

/** `unPublishStream` (published: true) or `stopStream` (false): the server answers UNPUBLISHED or STOPPED. */
interface EndStreamRequest<Published extends boolean> {
  mediaSessionId: string;
  name: string;
  published: Published;
  hasVideo: true;
  hasAudio: true;
  status: StreamStatus;
  record: false;
}

/** `unPublishStream`: stop a published stream; the server answers `notifyStreamStatusEvent` UNPUBLISHED. */
export type UnpublishStreamRequest = EndStreamRequest<true>;

/** `stopStream`: stop a played stream; the server answers `notifyStreamStatusEvent` STOPPED. */
export type StopStreamRequest = EndStreamRequest<false>;

/** Every message this client sends, with the single object that goes into `data[0]`. */
export type ClientMessage =
  | { message: 'connection'; payload: ConnectionRequest }
  | { message: 'publishStream'; payload: PublishStreamRequest }
  | { message: 'unPublishStream'; payload: UnpublishStreamRequest }
  | { message: 'playStream'; payload: PlayStreamRequest }
  | { message: 'stopStream'; payload: StopStreamRequest }
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

/** Builds the `playStream` request, with the official SDK's fixed fields. */
export function playStreamRequest(fields: { mediaSessionId: string; name: string; sdp: string; custom?: CustomData }): PlayStreamRequest {
  return {
    mediaSessionId: fields.mediaSessionId,
    name: fields.name,
    published: false,
    hasVideo: true,
    hasAudio: true,
    status: 'PENDING',
    record: false,
    mediaProvider: 'WebRTC',
    sdp: fields.sdp,
    custom: fields.custom,
  };
}

/** Builds the `unPublishStream` request; `status` is the stream's status when stop() was called. */
export function unpublishStreamRequest(fields: { mediaSessionId: string; name: string; status: StreamStatus }): UnpublishStreamRequest {
  return endStreamRequest(fields, true);
}

/** Builds the `stopStream` request; `status` is the stream's status when stop() was called. */
export function stopStreamRequest(fields: { mediaSessionId: string; name: string; status: StreamStatus }): StopStreamRequest {
  return endStreamRequest(fields, false);
}

function endStreamRequest<Published extends boolean>(fields: { mediaSessionId: string; name: string; status: StreamStatus }, published: Published): EndStreamRequest<Published> {
  return {
    mediaSessionId: fields.mediaSessionId,
    name: fields.name,
    published,
    hasVideo: true,
    hasAudio: true,
    status: fields.status,
    record: false,
  };
}
