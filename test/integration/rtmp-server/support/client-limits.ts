import { parseSettings } from '../../../../server/config/settings';
import { NO_LIMIT_REPORTER } from '../../../../server/metrics/limits';
import type { RtmpClientLimits } from '../../../../server/rtmp/server/client-limits';

const { settings } = parseSettings('', 'defaults');

/** The 'Limits: RTMP' settings at their defaults, as the gateway passes them to a listener. */
export const DEFAULT_CLIENT_LIMITS: RtmpClientLimits = {
  maxConnectionsPerIp: settings.rtmpMaxConnectionsPerIp,
  handshakeTimeoutMs: settings.rtmpHandshakeTimeoutMs,
  maxUnsentBytes: settings.rtmpMaxUnsentBytes,
  maxPartialMessageBytes: settings.rtmpMaxPartialMessageBytes,
};

/** Listener options for tests that do not look at limits: the defaults, nothing counted. */
export const DEFAULT_LIMIT_OPTIONS = { limits: DEFAULT_CLIENT_LIMITS, limitReporter: NO_LIMIT_REPORTER } as const;
