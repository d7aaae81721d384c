import type { Settings } from '../config/settings';
import type { IceServerSettings } from './client-ice-servers';

/** The ICE servers for clients, from the settings (already checked together at load). */
export function iceServerSettings(settings: Settings): IceServerSettings {
  const turnAuth =
    settings.iceTurnSecret !== '' ? { kind: 'secret' as const, secret: settings.iceTurnSecret, ttlSeconds: settings.iceTurnCredentialTtlSeconds }
    : settings.iceTurnUsername !== '' ? { kind: 'static' as const, username: settings.iceTurnUsername, password: settings.iceTurnPassword }
    : undefined;
  return { urls: settings.iceServers, policy: settings.iceTransportPolicy, ...(turnAuth ? { turnAuth } : {}) };
}
