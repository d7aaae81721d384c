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
    keys: ['media_port_from', 'media_port_to'],
    violation: (s) =>
      s.mediaPortFrom > s.mediaPortTo ? `media_port_from (${s.mediaPortFrom}) is above media_port_to (${s.mediaPortTo})` : undefined,
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
