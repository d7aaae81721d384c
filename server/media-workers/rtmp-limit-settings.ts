import type { Settings } from '../config/settings';
import type { RtmpClientLimits } from '../rtmp/server/client-limits';

/** The 'Limits: RTMP' settings as the RTMP listeners and the sessions handed to media workers take them. */
export function rtmpClientLimits(settings: Settings): RtmpClientLimits {
  return {
    maxConnectionsPerIp: settings.rtmpMaxConnectionsPerIp,
    handshakeTimeoutMs: settings.rtmpHandshakeTimeoutMs,
    maxUnsentBytes: settings.rtmpMaxUnsentBytes,
    maxPartialMessageBytes: settings.rtmpMaxPartialMessageBytes,
  };
}
