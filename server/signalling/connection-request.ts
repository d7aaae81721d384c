import type { ClientIceConfiguration } from '../ice-servers/client-ice-servers';
import { readCustom, type CustomFields } from './custom-fields';

/** The `connection` request, reduced to the fields the gateway reads, each checked and bounded. */
export interface ConnectionRequest {
  appKey?: string;
  clientVersion?: string;
  clientOSVersion?: string;
  clientBrowserVersion?: string;
  msePacketizationVersion?: number;
  keepAlive?: boolean;
  /** The client's token, for the connect REST hook only: never echoed, never logged in clear. */
  authToken?: string;
  custom?: CustomFields;
}

/** Longest appKey or version string kept, characters (a browser's user agent is ~150). */
const MAX_TEXT_LENGTH = 512;
/** Longest authToken passed on, characters (a signed JWT is 1–2 KB). */
const MAX_TOKEN_LENGTH = 4096;

/** Reads `connection`'s data[0]; a field of the wrong type or too long is left out. */
export function readConnection(data: unknown[]): ConnectionRequest {
  const raw = data[0];
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const request: ConnectionRequest = {};
  for (const field of ['appKey', 'clientVersion', 'clientOSVersion', 'clientBrowserVersion'] as const) {
    const value = boundedText(r[field], MAX_TEXT_LENGTH);
    if (value !== undefined) request[field] = value;
  }
  if (typeof r.msePacketizationVersion === 'number' && Number.isInteger(r.msePacketizationVersion)) request.msePacketizationVersion = r.msePacketizationVersion;
  if (typeof r.keepAlive === 'boolean') request.keepAlive = r.keepAlive;
  const authToken = boundedText(r.authToken, MAX_TOKEN_LENGTH);
  if (authToken !== undefined && authToken !== '') request.authToken = authToken;
  const custom = readCustom(r.custom);
  if (custom !== undefined) request.custom = custom;
  return request;
}

/**
 * `getUserData`'s data[0]: the scalar fields of the request the SDKs may read, then the session's
 * own. The official SDK keeps `authToken` (the server's, sent back on reconnect) and reads nothing
 * else a publisher needs; WCS echoes the whole request, which is what let a nested array crash it.
 * With ICE servers configured, `iceServers` and `iceTransportPolicy` too: our SDK applies them.
 */
export function userData(request: ConnectionRequest, sessionId: string, ice?: ClientIceConfiguration): Record<string, unknown> {
  const { authToken: _clientToken, custom: _custom, ...scalars } = request;
  return { ...scalars, sessionId, authToken: sessionId, status: 'ESTABLISHED', ...(ice ? { iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy } : {}) };
}

function boundedText(value: unknown, maxLength: number): string | undefined {
  return typeof value === 'string' && value.length <= maxLength ? value : undefined;
}
