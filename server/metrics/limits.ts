/**
 * Every bound an outsider can run into, by name: what `gateway_limit_reached_total{limit}` counts.
 * Each has a setting (see the settings table) and a clear refusal or disconnect when it is reached.
 */
export type LimitName =
  | 'rtmp_connections_per_ip'
  | 'rtmp_handshake_timeout'
  | 'rtmp_unsent_bytes'
  | 'rtmp_partial_message_bytes'
  | 'ws_connections'
  | 'ws_connections_per_ip'
  | 'ws_handshake_timeout'
  | 'ws_publishes_per_session'
  | 'webrtc_offer'
  | 'webrtc_viewers'
  | 'whip_publishers'
  | 'rest_rate'
  | 'rest_pushes'
  | 'rest_option_bytes'
  | 'outbound_target'
  | 'recordings';

/** Told each time a limit is reached (the refused request, the dropped peer). */
export interface LimitReporter {
  reached(limit: LimitName): void;
}

/** A reporter that counts nothing (tests, components used alone). */
export const NO_LIMIT_REPORTER: LimitReporter = { reached: () => undefined };
