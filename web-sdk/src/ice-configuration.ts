import type { UserData } from './server-messages';

/** An RTCIceServer, as far as this module reads it (DOM-free, so it is unit-tested under Node). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** The ICE part of an RTCPeerConnection configuration. */
export interface IceConfiguration {
  iceServers?: IceServer[];
  iceTransportPolicy?: 'all' | 'relay';
}

/** The ICE servers and policy the gateway sent in getUserData; anything malformed is left out. */
export function serverIceConfiguration(userData: UserData): IceConfiguration {
  const { iceServers, iceTransportPolicy } = userData;
  const servers = Array.isArray(iceServers) && iceServers.every(isIceServer) ? iceServers : undefined;
  const policy = iceTransportPolicy === 'all' || iceTransportPolicy === 'relay' ? iceTransportPolicy : undefined;
  return { ...(servers ? { iceServers: servers } : {}), ...(policy ? { iceTransportPolicy: policy } : {}) };
}

/**
 * The configuration a stream's peer gets: the page's own `mediaOptions`, with `iceServers` and
 * `iceTransportPolicy` from, in order, createSession's options of those names, `mediaOptions`,
 * then the gateway's getUserData. So a page that says nothing uses the gateway's STUN/TURN servers.
 */
export function peerConfiguration<C extends IceConfiguration>(app: IceConfiguration & { mediaOptions?: C }, server: IceConfiguration): C & IceConfiguration {
  const iceServers = app.iceServers ?? app.mediaOptions?.iceServers ?? server.iceServers;
  const iceTransportPolicy = app.iceTransportPolicy ?? app.mediaOptions?.iceTransportPolicy ?? server.iceTransportPolicy;
  return { ...(app.mediaOptions as C), ...(iceServers ? { iceServers } : {}), ...(iceTransportPolicy ? { iceTransportPolicy } : {}) };
}

function isIceServer(value: unknown): value is IceServer {
  if (typeof value !== 'object' || value === null) return false;
  const { urls, username, credential } = value as Record<string, unknown>;
  const urlsOk = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((url) => typeof url === 'string'));
  return urlsOk && (username === undefined || typeof username === 'string') && (credential === undefined || typeof credential === 'string');
}
