import type { SettingKey, Settings } from './definitions';

/** A rule between settings that are each valid alone but contradict each other. */
export interface SettingConstraint {
  /** The keys involved; an error points at whichever of them the file sets last. */
  readonly keys: readonly SettingKey[];
  /** What is wrong, naming the keys and their values; undefined when they agree. */
  readonly violation: (settings: Settings) => string | undefined;
}

/** Every cross-setting rule, checked after each setting has parsed on its own. */
export const SETTING_CONSTRAINTS: readonly SettingConstraint[] = [
  {
    keys: ['beam_join_failure_pattern'],
    violation: (s) => {
      try {
        new RegExp(s.beamJoinFailurePattern);
        return undefined;
      } catch (err) {
        return `beam_join_failure_pattern is not a regular expression: ${(err as Error).message}`;
      }
    },
  },
  {
    keys: ['record_s3_endpoint', 'record_s3_bucket', 'record_s3_access_key', 'record_s3_secret_key'],
    violation: (s) =>
      s.recordS3Endpoint !== undefined && (s.recordS3Bucket === '' || s.recordS3AccessKey === '' || s.recordS3SecretKey === '')
        ? 'record_s3_endpoint needs record_s3_bucket, record_s3_access_key and record_s3_secret_key'
        : undefined,
  },
  {
    keys: ['media_port_from', 'media_port_to'],
    violation: (s) =>
      s.mediaPortFrom > s.mediaPortTo ? `media_port_from (${s.mediaPortFrom}) is above media_port_to (${s.mediaPortTo})` : undefined,
  },
  {
    keys: ['ip', 'webrtc_udp_port'],
    violation: (s) => {
      const mapped = s.announcedAddresses.find((entry) => entry.port !== undefined);
      return mapped !== undefined && s.webrtcUdpPort === undefined
        ? `ip entry ${mapped.host}:${mapped.port} maps a port (1:1 NAT), which needs the shared port: set webrtc_udp_port`
        : undefined;
    },
  },
  {
    keys: ['ice_turn_username', 'ice_turn_password'],
    violation: (s) => ((s.iceTurnUsername === '') !== (s.iceTurnPassword === '') ? 'ice_turn_username and ice_turn_password must be set together' : undefined),
  },
  {
    keys: ['ice_turn_secret', 'ice_turn_username'],
    violation: (s) => (s.iceTurnSecret !== '' && s.iceTurnUsername !== '' ? 'set either ice_turn_secret (time-limited credentials) or ice_turn_username and ice_turn_password (static ones), not both' : undefined),
  },
  {
    keys: ['ice_servers', 'ice_turn_username', 'ice_turn_secret'],
    violation: (s) => {
      const hasTurn = s.iceServers.some((url) => /^turns?:/i.test(url));
      const hasCredentials = s.iceTurnUsername !== '' || s.iceTurnSecret !== '';
      if (hasTurn && !hasCredentials) return 'ice_servers has a turn: URL but no credentials: set ice_turn_secret, or ice_turn_username and ice_turn_password (browsers refuse TURN without them)';
      if (!hasTurn && hasCredentials) return 'TURN credentials are set but ice_servers has no turn: or turns: URL';
      return undefined;
    },
  },
  {
    keys: ['ice_transport_policy', 'ice_servers'],
    violation: (s) =>
      s.iceTransportPolicy === 'relay' && !s.iceServers.some((url) => /^turns?:/i.test(url))
        ? 'ice_transport_policy is relay but ice_servers has no turn: or turns: URL: no publisher could connect'
        : undefined,
  },
  {
    keys: ['tls_certificate_file', 'tls_private_key_file'],
    violation: (s) =>
      (s.tlsCertificateFile === undefined) !== (s.tlsPrivateKeyFile === undefined)
        ? 'tls_certificate_file and tls_private_key_file must be set together'
        : undefined,
  },
  {
    keys: ['webrtc_min_bitrate', 'webrtc_start_bitrate', 'webrtc_max_bitrate'],
    violation: (s) =>
      s.webrtcMinBitrateKbps <= s.webrtcStartBitrateKbps && s.webrtcStartBitrateKbps <= s.webrtcMaxBitrateKbps
        ? undefined
        : `webrtc_start_bitrate (${s.webrtcStartBitrateKbps}) is not between webrtc_min_bitrate (${s.webrtcMinBitrateKbps}) and webrtc_max_bitrate (${s.webrtcMaxBitrateKbps})`,
  },
  {
    keys: ['rtmp_push_retry_initial_delay', 'rtmp_push_retry_max_delay'],
    violation: (s) =>
      s.rtmpPushRetryInitialDelayMs > s.rtmpPushRetryMaxDelayMs
        ? `rtmp_push_retry_initial_delay (${s.rtmpPushRetryInitialDelayMs}) is above rtmp_push_retry_max_delay (${s.rtmpPushRetryMaxDelayMs})`
        : undefined,
  },
  {
    keys: ['rtmp_push_auto_start', 'rtmp_push_auto_start_url'],
    violation: (s) =>
      s.rtmpPushAutoStart && s.rtmpPushAutoStartUrl === undefined
        ? 'rtmp_push_auto_start is true but rtmp_push_auto_start_url is empty'
        : undefined,
  },
];
