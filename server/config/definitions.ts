import {
  announcedEntry,
  autoOrInteger,
  autoOrOneOf,
  flag,
  freeText,
  hostOrRange,
  iceServerUrl,
  integer,
  ipAddress,
  listOf,
  oneOf,
  optionalPath,
  optionalPortOrAny,
  optionalUrl,
  origin,
  port,
  requiredPath,
  type SettingType,
  type ValueOf,
} from './setting-types';

/** One row of the settings table: everything the gateway knows about one key. */
export interface SettingDefinition {
  /** The key as written in flashphoner.properties. */
  readonly key: string;
  /** The camelCase field of Settings holding the typed value. */
  readonly field: string;
  readonly type: SettingType<unknown>;
  /** The value, as written in flashphoner.properties, used when the key is absent. */
  readonly default: string;
  /** One line with units; also the comment above the key in config/flashphoner.properties. */
  readonly doc: string;
  /** A password or key: error messages never quote its value. */
  readonly secret?: boolean;
}

/** A titled section of the settings table, in the order config/flashphoner.properties lists them. */
export interface SettingGroup {
  readonly title: string;
  readonly settings: readonly SettingDefinition[];
}

const MS_PER_HOUR = 3_600_000;
const x264Preset = oneOf('ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo');
// A vhost or application name of the OME-shaped API: one URL path segment.
const apiName: SettingType<string> = {
  parse: (value) => (/^[A-Za-z0-9_.-]{1,64}$/.test(value) ? { ok: true, value } : { ok: false, problem: 'must be 1 to 64 letters, digits, _ . or -' }),
};
// pino's level names.
const logLevel = oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent');

/**
 * Every setting the gateway reads. Adding a setting is one row here plus its line in
 * config/flashphoner.properties (a test checks that the two agree).
 */
export const SETTING_GROUPS = [
  {
    title: 'Network and TLS',
    settings: [
      { key: 'ws.port', field: 'wsPort', type: port, default: '8080', doc: 'WebSocket signalling port (WCS protocol)' },
      { key: 'wss.port', field: 'wssPort', type: port, default: '8443', doc: 'Secure WebSocket port, used only when a certificate is configured' },
      { key: 'http.port', field: 'httpPort', type: port, default: '8081', doc: 'HTTP port of the REST API, demo page and web SDK' },
      { key: 'https.port', field: 'httpsPort', type: port, default: '8444', doc: 'HTTPS port of the REST API, used only when a certificate is configured' },
      { key: 'listen_address', field: 'listenAddress', type: ipAddress, default: '0.0.0.0', doc: 'IP address the WebSocket and HTTP servers bind to (0.0.0.0 = all IPv4 interfaces)' },
      { key: 'tls_certificate_file', field: 'tlsCertificateFile', type: optionalPath, default: '', doc: 'PEM certificate chain for wss/https; empty disables wss and https' },
      { key: 'tls_private_key_file', field: 'tlsPrivateKeyFile', type: optionalPath, default: '', doc: 'PEM private key matching tls_certificate_file' },
      { key: 'rest_access_control_allow_origin', field: 'corsOrigins', type: listOf(origin), default: '', doc: 'Comma-separated origins whose web pages may call the management APIs (CORS), e.g. https://app.example.com, or *; empty: none' },
      { key: 'api_access_token', field: 'apiAccessToken', type: freeText, default: '', doc: 'Token accepted by every management API: as Authorization: Bearer, in x-access-token (Callaba) or Basic-encoded (OvenMediaEngine); empty: none' },
    ],
  },
  {
    title: 'API access and limits',
    settings: [
      { key: 'disable_rest_auth', field: 'restAuthDisabled', type: flag, default: 'false', doc: 'true opens every management API (REST, RTMP servers, /metrics) to everyone; false: credentials, or loopback only while none are configured' },
      { key: 'rest_auth_users_file', field: 'restAuthUsersFile', type: optionalPath, default: '', doc: 'HTTP Basic users of the management APIs, one user:scrypt$... line each (node dist/server/tools/rest-user.js makes them); empty: none' },
      { key: 'rest_rate_limit', field: 'restRateLimit', type: integer(0, 100_000), default: '50', doc: 'Management API requests per second per client address, bursts of twice that (429 beyond); 0 = no limit' },
      { key: 'max_pushes', field: 'maxPushes', type: integer(1, 100_000), default: '500', doc: 'Pushes the gateway holds at most, whatever their state (429 beyond)' },
      { key: 'rest_max_option_bytes', field: 'restMaxOptionBytes', type: integer(256, 65_536), default: '4096', doc: "Bytes of a push's options (JSON) kept and echoed back at most (413 beyond)" },
      { key: 'outbound_allow', field: 'outboundAllow', type: listOf(hostOrRange), default: '', doc: 'Comma-separated hosts, *.domains, addresses or CIDR ranges that push targets and webhooks may reach; empty: any not denied' },
      { key: 'outbound_deny', field: 'outboundDeny', type: listOf(hostOrRange), default: '169.254.0.0/16,fe80::/10,fd00:ec2::254,100.100.100.200,metadata.google.internal', doc: 'Hosts, *.domains, addresses or CIDR ranges push targets and webhooks may never reach (link-local and cloud metadata by default)' },
    ],
  },
  {
    title: 'WebRTC',
    settings: [
      { key: 'webrtc_udp_port', field: 'webrtcUdpPort', type: optionalPortOrAny, default: '31000', doc: 'UDP port every WebRTC peer shares (ICE, DTLS, SRTP); 0 = any free port, chosen at start-up and logged; empty = a port per peer from media_port_from..media_port_to' },
      { key: 'webrtc_udp_address', field: 'webrtcUdpAddress', type: ipAddress, default: '0.0.0.0', doc: 'Address webrtc_udp_port binds to: 0.0.0.0 (or ::) announces every interface address and loopback, one address announces itself' },
      { key: 'media_port_from', field: 'mediaPortFrom', type: port, default: '31001', doc: 'First UDP port of the per-peer ICE range (inclusive, <= media_port_to), used when webrtc_udp_port is empty' },
      { key: 'media_port_to', field: 'mediaPortTo', type: port, default: '32000', doc: 'Last UDP port of the per-peer ICE range (inclusive)' },
      { key: 'ip', field: 'announcedAddresses', type: listOf(announcedEntry), default: '', doc: 'Comma-separated addresses or host names (resolved at start-up) announced as host candidates, e.g. a public IP; host:port ([IPv6]:port) is a 1:1 NAT mapping: only the ip entries are announced, that one with its port (needs webrtc_udp_port)' },
      { key: 'webrtc_start_bitrate', field: 'webrtcStartBitrateKbps', type: integer(30, 100_000), default: '2500', doc: 'kbit/s the browser starts sending at (x-google-start-bitrate)' },
      { key: 'webrtc_min_bitrate', field: 'webrtcMinBitrateKbps', type: integer(30, 100_000), default: '500', doc: "kbit/s floor of the browser's encoder" },
      { key: 'webrtc_max_bitrate', field: 'webrtcMaxBitrateKbps', type: integer(30, 100_000), default: '4000', doc: "kbit/s ceiling of the browser's encoder" },
      { key: 'keyframe_interval', field: 'keyframeIntervalMs', type: integer(500, 10_000), default: '2000', doc: 'ms, 500..10000: longest time between keyframes in every output (keyframes are requested ahead of it)' },
      { key: 'webrtc_repair_window', field: 'webrtcRepairWindow', type: autoOrInteger(0, 5000), default: 'auto', doc: 'How long a missing video packet is waited for while its retransmission is asked for (NACK): auto sizes it from the measured round trip (three retransmission timeouts, from 50 ms to webrtc_repair_max_window); or fixed ms, 0..5000 (50 is the window of earlier versions)' },
      { key: 'webrtc_repair_max_window', field: 'webrtcRepairMaxWindowMs', type: integer(50, 5000), default: '1000', doc: 'ms, 50..5000: longest automatic repair window; a loss not repaired by then costs a keyframe request and the frames until it' },
    ],
  },
  {
    title: 'ICE servers for clients (STUN/TURN)',
    settings: [
      { key: 'ice_servers', field: 'iceServers', type: listOf(iceServerUrl), default: '', doc: 'Comma-separated stun:, stuns:, turn: and turns: URLs handed to browsers (getUserData and GET /ice-servers); empty: none' },
      { key: 'ice_turn_username', field: 'iceTurnUsername', type: freeText, default: '', doc: 'Static TURN user name (with ice_turn_password); empty: none' },
      { key: 'ice_turn_password', field: 'iceTurnPassword', type: freeText, default: '', doc: 'Static TURN password (never logged)', secret: true },
      { key: 'ice_turn_secret', field: 'iceTurnSecret', type: freeText, default: '', doc: "Shared secret of the TURN server's REST API (coturn use-auth-secret / static-auth-secret): time-limited credentials are made per client instead of static ones (never logged)", secret: true },
      { key: 'ice_turn_credential_ttl', field: 'iceTurnCredentialTtlSeconds', type: integer(60, 2_592_000), default: '86400', doc: 'Seconds the credentials made from ice_turn_secret stay valid' },
      { key: 'ice_transport_policy', field: 'iceTransportPolicy', type: oneOf('all', 'relay'), default: 'all', doc: 'iceTransportPolicy handed to browsers: all, or relay (every publisher goes through TURN)' },
    ],
  },
  {
    title: 'Republishing (transponders)',
    settings: [
      { key: 'rtmp_transponder_stream_name_prefix', field: 'rtmpTransponderStreamNamePrefix', type: freeText, default: 'rtmp_', doc: 'Prefix added to the stream name on the RTMP target; empty adds none' },
      { key: 'rtmp_transponder_full_url', field: 'rtmpTransponderFullUrl', type: flag, default: 'false', doc: 'true: the last path segment of rtmpUrl is the stream name (YouTube/Facebook stream keys)' },
      { key: 'rtmp_push_auto_start', field: 'rtmpPushAutoStart', type: flag, default: 'false', doc: 'true: push every published stream to rtmp_push_auto_start_url' },
      { key: 'rtmp_push_auto_start_url', field: 'rtmpPushAutoStartUrl', type: optionalUrl('rtmp', 'rtmps'), default: '', doc: 'rtmp:// or rtmps:// target of rtmp_push_auto_start (required when it is true)' },
      { key: 'rtmp_flash_version', field: 'rtmpFlashVersion', type: freeText, default: 'FMLE/3.0 (compatible; FMSc/1.0)', doc: 'flashVer sent in the RTMP connect command unless the call gives rtmpFlashVersion' },
      { key: 'rtmp_connect_timeout', field: 'rtmpConnectTimeoutMs', type: integer(1000, 120_000), default: '10000', doc: 'ms allowed to connect, handshake and get publish started' },
      { key: 'rtmp_tls_verify', field: 'rtmpTlsVerify', type: flag, default: 'true', doc: 'Verify the certificate of rtmps:// targets' },
      { key: 'rtmp_tls_ca_file', field: 'rtmpTlsCaFile', type: optionalPath, default: '', doc: 'Extra PEM CA certificate(s) trusted for rtmps:// targets (e.g. a self-signed test endpoint); empty adds none' },
      { key: 'rtmp_push_retry_initial_delay', field: 'rtmpPushRetryInitialDelayMs', type: integer(100, 600_000), default: '1000', doc: 'ms before the first reconnect of a failed push (doubles on each attempt)' },
      { key: 'rtmp_push_retry_max_delay', field: 'rtmpPushRetryMaxDelayMs', type: integer(100, MS_PER_HOUR), default: '30000', doc: 'ms cap of the exponential reconnect backoff' },
      { key: 'rtmp_push_retry_attempts', field: 'rtmpPushRetryAttempts', type: integer(0, 1_000_000), default: '0', doc: 'Reconnect attempts before a push fails; 0 = retry forever' },
      { key: 'rtmp_push_wedge_timeout', field: 'rtmpPushWedgeTimeoutMs', type: integer(1000, 600_000), default: '10000', doc: 'ms without write progress after which a connection counts as wedged and is reconnected' },
      { key: 'rtmp_push_max_buffer', field: 'rtmpPushMaxBufferBytes', type: integer(65_536, 1_073_741_824), default: '8388608', doc: 'bytes queued per push before whole GOPs are dropped (8388608 = 8 MiB)' },
      { key: 'publisher_grace_period', field: 'publisherGracePeriodMs', type: integer(0, MS_PER_HOUR), default: '10000', doc: 'ms a transponder keeps its RTMP session after its publisher leaves, waiting for the stream name to return; 0 disables' },
      { key: 'webhook_url', field: 'webhookUrl', type: optionalUrl('http', 'https'), default: '', doc: 'http:// or https:// URL receiving a POST with the transponder on every state change; empty disables' },
      { key: 'ome_vhost', field: 'omeVhost', type: apiName, default: 'default', doc: 'Virtual host of the OvenMediaEngine-shaped push API (/v1/vhosts/<vhost>/apps/<app>:startPush); any other gets 404' },
      { key: 'ome_apps', field: 'omeApps', type: listOf(apiName), default: 'app,live', doc: 'Comma-separated application names that API accepts (any other gets 404); stream names are shared by every app, as rtmp://host/<app>/<key> publishes <key>' },
    ],
  },
  {
    title: 'Recording',
    settings: [
      { key: 'record_dir', field: 'recordDir', type: requiredPath, default: 'records', doc: 'Directory of the recordings (created when missing); file templates make names and subdirectories under it, never outside' },
      { key: 'record_file_template', field: 'recordFileTemplate', type: freeText, default: '{streamName}-{startTime}-{endTime}', doc: 'Default file name of a recording, without .mp4: {streamName}, {mediaSessionId}, {startTime} and {endTime} (Unix ms), {index} (1, then one more per rotation), {roomId}, {epoch} (Unix s), {date} (YYYYMMDD, UTC), {time} (HHMMSS, UTC); / makes subdirectories; other characters than letters, digits, . _ - become _' },
      { key: 'record_rotation', field: 'recordRotation', type: freeText, default: '', doc: 'Default rotation of a recording: a size (20M: MiB; K and G too) or a duration (10m: minutes; s and h too); a new file starts at the first keyframe after it; empty: one file per recording' },
      { key: 'record_max', field: 'recordMax', type: integer(1, 100_000), default: '100', doc: 'Recordings running at once at most (429 beyond)' },
      { key: 'record_min_free_mb', field: 'recordMinFreeMb', type: integer(0, 100_000_000), default: '256', doc: 'MB of free space record_dir keeps: a recording does not start, and stops with an error, below it; 0 disables the check' },
      { key: 'record_url_expiry', field: 'recordUrlExpirySeconds', type: integer(60, 30 * 24 * 3600), default: '43200', doc: 'Seconds a signed download link of a recorded file stays valid (43200 = 12 h)' },
      { key: 'record_url_secret', field: 'recordUrlSecret', type: freeText, default: '', doc: 'Key of the HMAC that signs download links (/records/...); empty: a random key at each start, so links end with the process (never logged)', secret: true },
      { key: 'record_url_base', field: 'recordUrlBase', type: optionalUrl('http', 'https'), default: '', doc: 'Start of the download links given in webhooks, e.g. https://gw.example.com; empty: http://<listen address or 127.0.0.1>:<http.port>' },
      { key: 'record_webhook_url', field: 'recordWebhookUrl', type: optionalUrl('http', 'https'), default: '', doc: 'http:// or https:// URL receiving a POST when a recorded file is finished ({streamName, mediaSessionId, fileName, size, duration, startTime, endTime, url}) or a recording fails; empty disables' },
      { key: 'record_s3_endpoint', field: 'recordS3Endpoint', type: optionalUrl('http', 'https'), default: '', doc: 'http(s)://host[:port] of an S3-compatible service (https://s3.eu-west-1.amazonaws.com, MinIO…) every finished recording is uploaded to (outcome in the recording webhook); empty: no upload' },
      { key: 'record_s3_bucket', field: 'recordS3Bucket', type: freeText, default: '', doc: 'Bucket of the uploads (needed with record_s3_endpoint)' },
      { key: 'record_s3_region', field: 'recordS3Region', type: freeText, default: 'us-east-1', doc: 'Region the uploads are signed for' },
      { key: 'record_s3_prefix', field: 'recordS3Prefix', type: freeText, default: '', doc: 'Put before the file name (relative to record_dir) to make each object key, e.g. recordings/' },
      { key: 'record_s3_access_key', field: 'recordS3AccessKey', type: freeText, default: '', doc: 'Access key id of the uploads' },
      { key: 'record_s3_secret_key', field: 'recordS3SecretKey', type: freeText, default: '', doc: 'Secret access key of the uploads (never logged)', secret: true },
      { key: 'record_s3_delete_local', field: 'recordS3DeleteLocal', type: flag, default: 'false', doc: 'Remove the local file once uploaded (its download link then answers 404)' },
    ],
  },
  {
    title: 'Page capture (beam)',
    settings: [
      { key: 'beam_max', field: 'beamMax', type: integer(1, 64), default: '2', doc: 'Beams (captured pages, about a core each) running at once at most; beyond, start answers code 2' },
      { key: 'beam_start_attempts', field: 'beamStartAttempts', type: integer(1, 20), default: '3', doc: 'Launches of a beam (page check, browser, publish) before it fails: a page that does not load, a browser that dies or a join failure in the page starts it again' },
      { key: 'beam_publish_timeout', field: 'beamPublishTimeoutMs', type: integer(5000, 600_000), default: '30000', doc: 'ms a launched page has to publish its stream before the launch counts as failed' },
      { key: 'beam_join_failure_pattern', field: 'beamJoinFailurePattern', type: freeText, default: '', doc: 'Regular expression: a console message of the page matching it is a failed join (as 100ms watches its SDK logs), and the beam is launched again; empty: none' },
      { key: 'beam_webhook_url', field: 'beamWebhookUrl', type: optionalUrl('http', 'https'), default: '', doc: 'http:// or https:// URL receiving a POST with the beam (state, pushes, recording) on every state change; empty disables' },
    ],
  },
  {
    title: 'Media',
    settings: [
      { key: 'media_dir', field: 'mediaDir', type: requiredPath, default: 'media', doc: 'Directory of the sound files played by sound_on' },
      { key: 'workers', field: 'workers', type: autoOrInteger(1, 64), default: '1', doc: 'Media workers, one per core: the main process is the first and each more is a child process carrying its share of the streams (WebRTC and RTMP publishers) with their pushes and players, each with its own UDP port after webrtc_udp_port; auto = one per CPU core; 1 = everything in the main process' },
      { key: 'codec_workers', field: 'codecWorkers', type: autoOrInteger(1, 64), default: 'auto', doc: 'Codec worker processes (Opus to AAC, sound mixing, VP8 to H.264), each serving many streams in-process: auto = one per CPU core; with several media workers they are shared out among them (at least one each); a native crash costs the streams of one worker for a moment, never the gateway' },
      { key: 'aac_bitrate', field: 'aacBitrateBps', type: integer(16_000, 512_000), default: '128000', doc: 'bit/s (not kbit/s) of the stereo AAC audio sent to RTMP targets; mono AAC gets half, the same bits per channel' },
      { key: 'aac_channels', field: 'aacChannels', type: autoOrOneOf(1, 2), default: 'auto', doc: 'Channels of the AAC made from a WebRTC publisher\'s Opus: auto = as the publisher sends (browsers send mono unless the page asks for stereo; stereo from the first stereo packet on; mono AAC costs half the encoder CPU), 1 or 2 to force (some RTMP services ask for stereo)' },
      { key: 'opus_to_aac_batch', field: 'opusToAacBatchMs', type: integer(20, 200), default: '60', doc: 'Every this many ms, the Opus audio gathered from every stream goes to the codec workers at once: larger costs less CPU and adds up to this much audio delay (timestamps and A/V sync are unaffected); 20 sends every packet on its own' },
      { key: 'video_transcode_preset', field: 'videoTranscodePreset', type: x264Preset, default: 'veryfast', doc: 'x264 preset used when a VP8 publisher must be transcoded to H.264' },
      { key: 'video_transcode_bitrate', field: 'videoTranscodeBitrateKbps', type: integer(100, 100_000), default: '2500', doc: 'kbit/s of the H.264 video transcoded from VP8' },
    ],
  },
  {
    title: 'RTMP server (ingest/playback)',
    settings: [
      { key: 'rtmp_servers_db', field: 'rtmpServersDbFile', type: requiredPath, default: 'data/gateway.sqlite', doc: 'File of the embedded database holding RTMP servers and their rules' },
    ],
  },
  {
    title: 'Limits: RTMP',
    settings: [
      { key: 'rtmp_max_connections_per_ip', field: 'rtmpMaxConnectionsPerIp', type: integer(1, 65_535), default: '32', doc: 'Clients one IP address may have connected to one RTMP server at once (of its 256); more are refused at accept' },
      { key: 'rtmp_handshake_timeout', field: 'rtmpHandshakeTimeoutMs', type: integer(500, 10_000), default: '5000', doc: 'ms an RTMP client has from connecting to the end of the RTMP handshake before it is dropped' },
      { key: 'rtmp_max_unsent_bytes', field: 'rtmpMaxUnsentBytes', type: integer(65_536, 1_073_741_824), default: '262144', doc: 'bytes of commands, control messages and replies (not media) an RTMP client or push target may leave unread before it is disconnected (262144 = 256 KiB)' },
      { key: 'rtmp_max_partial_message_bytes', field: 'rtmpMaxPartialMessageBytes', type: integer(1_048_576, 1_073_741_824), default: '16777216', doc: 'bytes the incomplete messages of one RTMP client may hold together before it is disconnected; a 4K keyframe is a few MB (16777216 = 16 MiB)' },
    ],
  },
  {
    title: 'Limits: WebSocket and WebRTC',
    settings: [
      { key: 'ws_max_connections', field: 'wsMaxConnections', type: integer(1, 1_000_000), default: '500', doc: 'WebSocket signalling connections open at once, all clients together; more are refused with HTTP 503 (each costs a file descriptor)' },
      { key: 'ws_max_connections_per_ip', field: 'wsMaxConnectionsPerIp', type: integer(1, 1_000_000), default: '20', doc: 'WebSocket signalling connections open at once from one IPv4 address or IPv6 /64; more are refused with HTTP 429' },
      { key: 'ws_handshake_timeout', field: 'wsHandshakeTimeoutMs', type: integer(1000, 120_000), default: '10000', doc: 'ms a client has from connecting to sending its connection message; then it is closed (WebSocket close code 1008)' },
      { key: 'ws_max_publishes_per_session', field: 'wsMaxPublishesPerSession', type: integer(1, 100), default: '4', doc: 'Streams one signalling session may publish at once, negotiating included; more get FAILED' },
      { key: 'webrtc_offer_max_bytes', field: 'webrtcOfferMaxBytes', type: integer(4096, 262_144), default: '32768', doc: "bytes of the largest SDP offer accepted (a browser's audio+video offer is 5-10 KB); a larger one gets FAILED" },
      { key: 'webrtc_offer_max_media_sections', field: 'webrtcOfferMaxMediaSections', type: integer(1, 16), default: '4', doc: 'm= sections an SDP offer may have, rejected ones included (audio+video is 2); each used one must be in the BUNDLE group' },
      { key: 'whip_max_publishers', field: 'whipMaxPublishers', type: integer(1, 10_000), default: '100', doc: 'WHIP publishers (POST /whip/<name>) the gateway holds at once, negotiating included; more get 429' },
      { key: 'webrtc_max_viewers', field: 'webrtcMaxViewers', type: integer(1, 10_000), default: '200', doc: 'WebRTC viewers (WHEP and playStream) each media worker serves at once; more are refused (WHEP: 429, playStream: FAILED)' },
    ],
  },
  {
    title: 'REST hooks',
    settings: [
      { key: 'rest_hook_base_url', field: 'restHookBaseUrl', type: optionalUrl('http', 'https'), default: '', doc: 'http:// or https:// base URL of the REST hooks: connect and publishStream are POSTed to <url>/connect and <url>/publishStream as WCS does; empty disables them' },
      { key: 'rest_hook_timeout', field: 'restHookTimeoutMs', type: integer(100, 60_000), default: '5000', doc: 'ms a REST hook call may take, its answer included' },
      { key: 'rest_hook_on_error', field: 'restHookOnError', type: oneOf('allow', 'refuse'), default: 'refuse', doc: 'What a REST hook call that fails decides (timeout, network error, a status other than 2xx or 403, a redirect, an answer over 64 KiB): allow or refuse' },
    ],
  },
  {
    title: 'Logging',
    settings: [
      { key: 'log_level', field: 'logLevel', type: logLevel, default: 'info', doc: 'Least severe level logged: fatal, error, warn, info, debug, trace or silent' },
      { key: 'log_format', field: 'logFormat', type: oneOf('auto', 'json', 'pretty'), default: 'auto', doc: 'How log lines are written: json (one JSON object per line, for log collectors), pretty (HH:MM:SS.mmm LEVEL message key=value ..., coloured on a terminal), or auto: pretty when stdout is a terminal, else json' },
    ],
  },
] as const satisfies readonly SettingGroup[];

type Row = (typeof SETTING_GROUPS)[number]['settings'][number];

/** A key of the settings table, e.g. `'ws.port'`. */
export type SettingKey = Row['key'];

/** The gateway's settings: one readonly field per row of the table, typed by the row's type. */
export type Settings = { readonly [R in Row as R['field']]: ValueOf<R['type']> };

/** Every row of SETTING_GROUPS, in file order. */
export const SETTING_DEFINITIONS: readonly SettingDefinition[] = SETTING_GROUPS.flatMap<SettingDefinition>((group) => group.settings);
