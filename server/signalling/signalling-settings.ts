import type { Settings } from '../config/settings';
import type { SignallingLimits } from './signalling-server';

/** The signalling's limits as the settings give them (group "Limits: WebSocket and WebRTC"). */
export function signallingLimits(settings: Settings): SignallingLimits {
  return {
    maxConnections: settings.wsMaxConnections,
    maxConnectionsPerIp: settings.wsMaxConnectionsPerIp,
    maxPublishesPerSession: settings.wsMaxPublishesPerSession,
    handshakeTimeoutMs: settings.wsHandshakeTimeoutMs,
  };
}
