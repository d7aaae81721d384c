import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../server/config/errors';
import { loadSettings, parseSettings, whereSet } from '../../../server/config/settings';
import { catchConfigError } from './catch-config-error';

const FILE = 'gw.properties';
const parse = (text: string) => parseSettings(text, FILE);

describe('parseSettings defaults', () => {
  test('an empty file yields every default and no warnings', () => {
    const { settings, warnings } = parse('');
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({
      wsPort: 8080,
      wssPort: 8443,
      httpPort: 8081,
      httpsPort: 8444,
      listenAddress: '0.0.0.0',
      tlsCertificateFile: undefined,
      corsOrigins: [],
      restAuthDisabled: false,
      restRateLimit: 50,
      maxPushes: 500,
      apiAccessToken: '',
      webrtcUdpPort: 31000,
      webrtcUdpAddress: '0.0.0.0',
      mediaPortFrom: 31001,
      mediaPortTo: 32000,
      announcedAddresses: [],
      iceServers: [],
      iceTurnUsername: '',
      iceTurnPassword: '',
      iceTurnSecret: '',
      iceTurnCredentialTtlSeconds: 86400,
      iceTransportPolicy: 'all',
      keyframeIntervalMs: 2000,
      rtmpTransponderStreamNamePrefix: 'rtmp_',
      rtmpTransponderFullUrl: false,
      rtmpPushAutoStartUrl: undefined,
      rtmpFlashVersion: 'FMLE/3.0 (compatible; FMSc/1.0)',
      rtmpTlsVerify: true,
      rtmpPushRetryAttempts: 0,
      rtmpPushMaxBufferBytes: 8_388_608,
      aacBitrateBps: 128_000,
      opusToAacBatchMs: 60,
      videoTranscodePreset: 'veryfast',
      codecWorkers: 'auto',
      logLevel: 'info',
    });
  });

  test('relative default paths are resolved against the working directory', () => {
    const { settings } = parse('');
    expect(settings.mediaDir).toBe(path.resolve(process.cwd(), 'media'));
    expect(settings.rtmpServersDbFile).toBe(path.resolve(process.cwd(), 'data/gateway.sqlite'));
  });

  test('settings and their lists are frozen', () => {
    const { settings } = parse('ip=10.0.0.1');
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.announcedAddresses)).toBe(true);
  });

  test('a comment-only file also yields the defaults', () => {
    expect(parse('# nothing set\n! still nothing\n').settings).toEqual(parse('').settings);
  });
});

describe('parseSettings values', () => {
  test('reads each type from the file', () => {
    const { settings, warnings } = parse(
      [
        'ws.port = 9000',
        'listen_address:::1',
        'ip=203.0.113.7, 2001:db8::1,',
        'keyframe_interval=0500',
        'rtmp_transponder_full_url=true',
        'rtmp_transponder_stream_name_prefix=',
        'api_access_token=s3cr=t:x',
        'video_transcode_preset=ultrafast',
        'rtmp_push_auto_start=true',
        'rtmp_push_auto_start_url=rtmps://live.example.com:443/app/key',
        'webhook_url=https://hooks.example.com/gw',
        'tls_certificate_file=certs/cert.pem',
        'tls_private_key_file=/etc/gw/key.pem',
        'media_dir=/srv/media',
        'codec_workers=3',
        'log_level=silent',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({
      wsPort: 9000,
      listenAddress: '::1',
      announcedAddresses: [{ host: '203.0.113.7' }, { host: '2001:db8::1' }],
      keyframeIntervalMs: 500,
      rtmpTransponderFullUrl: true,
      rtmpTransponderStreamNamePrefix: '',
      apiAccessToken: 's3cr=t:x',
      videoTranscodePreset: 'ultrafast',
      rtmpPushAutoStart: true,
      rtmpPushAutoStartUrl: 'rtmps://live.example.com:443/app/key',
      webhookUrl: 'https://hooks.example.com/gw',
      tlsCertificateFile: path.resolve(process.cwd(), 'certs/cert.pem'),
      tlsPrivateKeyFile: '/etc/gw/key.pem',
      mediaDir: '/srv/media',
      codecWorkers: 3,
      logLevel: 'silent',
    });
  });

  test('ip takes addresses, host names and NAT mappings; the shared port, ICE servers and credentials parse', () => {
    const { settings } = parse(
      [
        'ip=203.0.113.7, gw.example.com, 198.51.100.1:40000, gw2.example.com:3478, 2001:db8::1, [2001:db8::2]:5000',
        'webrtc_udp_port=0',
        'webrtc_udp_address=127.0.0.1',
        'ice_servers=stun:stun.example.com:3478, turn:[2001:db8::3]:3478?transport=tcp, turns:turn.example.com',
        'ice_turn_secret=s3cret',
        'ice_turn_credential_ttl=600',
        'ice_transport_policy=relay',
      ].join('\n'),
    );
    expect(settings).toMatchObject({
      announcedAddresses: [
        { host: '203.0.113.7' },
        { host: 'gw.example.com' },
        { host: '198.51.100.1', port: 40000 },
        { host: 'gw2.example.com', port: 3478 },
        { host: '2001:db8::1' },
        { host: '2001:db8::2', port: 5000 },
      ],
      webrtcUdpPort: 0,
      webrtcUdpAddress: '127.0.0.1',
      iceServers: ['stun:stun.example.com:3478', 'turn:[2001:db8::3]:3478?transport=tcp', 'turns:turn.example.com'],
      iceTurnSecret: 's3cret',
      iceTurnCredentialTtlSeconds: 600,
      iceTransportPolicy: 'relay',
    });
    expect(parse('webrtc_udp_port=').settings.webrtcUdpPort).toBeUndefined();
  });

  test('integer bounds are inclusive', () => {
    expect(parse('keyframe_interval=10000\npublisher_grace_period=0\nhttps.port=65535').settings).toMatchObject({
      keyframeIntervalMs: 10000,
      publisherGracePeriodMs: 0,
      httpsPort: 65535,
    });
  });

  test.each([
    // [file line, expected problem, value quoted in the message]
    ['keyframe_interval=499', 'keyframe_interval: must be an integer from 500 to 10000', '499'],
    ['keyframe_interval=10001', 'keyframe_interval: must be an integer from 500 to 10000', '10001'],
    ['keyframe_interval=2000ms', 'keyframe_interval: must be an integer from 500 to 10000', '2000ms'],
    ['keyframe_interval=1e3', 'keyframe_interval: must be an integer from 500 to 10000', '1e3'],
    ['keyframe_interval=1500.5', 'keyframe_interval: must be an integer from 500 to 10000', '1500.5'],
    ['keyframe_interval=0x7d0', 'keyframe_interval: must be an integer from 500 to 10000', '0x7d0'],
    ['keyframe_interval=+2000', 'keyframe_interval: must be an integer from 500 to 10000', '+2000'],
    ['keyframe_interval=', 'keyframe_interval: must be an integer from 500 to 10000', ''],
    ['rtmp_push_retry_attempts=-1', 'rtmp_push_retry_attempts: must be an integer from 0 to 1000000', '-1'],
    ['ws.port=0', 'ws.port: must be an integer from 1 to 65535', '0'],
    ['http.port=65536', 'http.port: must be an integer from 1 to 65535', '65536'],
    ['media_port_to=99999999999999999999', 'media_port_to: must be an integer from 1 to 65535', '99999999999999999999'],
    ['rtmp_tls_verify=yes', 'rtmp_tls_verify: must be true or false', 'yes'],
    ['rtmp_tls_verify=TRUE', 'rtmp_tls_verify: must be true or false', 'TRUE'],
    ['log_level=verbose', 'log_level: must be one of fatal, error, warn, info, debug, trace, silent', 'verbose'],
    ['video_transcode_preset=Fast', 'video_transcode_preset: must be one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo', 'Fast'],
    ['listen_address=localhost', 'listen_address: must be an IPv4 or IPv6 address', 'localhost'],
    ['ip=1.2.3.4, 1.2.3', "ip: item '1.2.3' must be an IP address or host name, optionally with :port (IPv6 as [address]:port)", '1.2.3.4, 1.2.3'],
    ['ip=gw.example.com:0', "ip: item 'gw.example.com:0' must be an IP address or host name, optionally with :port (IPv6 as [address]:port)", 'gw.example.com:0'],
    ['ip=[203.0.113.7]:4000', "ip: item '[203.0.113.7]:4000' must be an IP address or host name, optionally with :port (IPv6 as [address]:port)", '[203.0.113.7]:4000'],
    ['ip=under_score.example', "ip: item 'under_score.example' must be an IP address or host name, optionally with :port (IPv6 as [address]:port)", 'under_score.example'],
    ['webrtc_udp_port=65536', 'webrtc_udp_port: must be empty or an integer from 0 to 65535', '65536'],
    ['webrtc_udp_port=-1', 'webrtc_udp_port: must be empty or an integer from 0 to 65535', '-1'],
    ['webrtc_udp_address=any', 'webrtc_udp_address: must be an IPv4 or IPv6 address', 'any'],
    ['ice_servers=stun.example.com:3478', "ice_servers: item 'stun.example.com:3478' must be a stun:, stuns:, turn: or turns: URL like turn:turn.example.com:3478?transport=udp", 'stun.example.com:3478'],
    ['ice_servers=stun:stun.example.com?transport=udp', "ice_servers: item 'stun:stun.example.com?transport=udp' must be a stun:, stuns:, turn: or turns: URL like turn:turn.example.com:3478?transport=udp", 'stun:stun.example.com?transport=udp'],
    ['ice_servers=turn:turn.example.com:99999', "ice_servers: item 'turn:turn.example.com:99999' must be a stun:, stuns:, turn: or turns: URL like turn:turn.example.com:3478?transport=udp", 'turn:turn.example.com:99999'],
    ['ice_servers=turn://user@turn.example.com', "ice_servers: item 'turn://user@turn.example.com' must be a stun:, stuns:, turn: or turns: URL like turn:turn.example.com:3478?transport=udp", 'turn://user@turn.example.com'],
    ['ice_transport_policy=none', 'ice_transport_policy: must be one of all, relay', 'none'],
    ['ice_turn_credential_ttl=59', 'ice_turn_credential_ttl: must be an integer from 60 to 2592000', '59'],
    ['rtmp_push_auto_start_url=http://example.com/app/key', 'rtmp_push_auto_start_url: must be empty or a URL starting with rtmp:// or rtmps://', 'http://example.com/app/key'],
    ['rtmp_push_auto_start_url=rtmp:///app/key', 'rtmp_push_auto_start_url: must be empty or a URL starting with rtmp:// or rtmps://', 'rtmp:///app/key'],
    ['webhook_url=example.com/hook', 'webhook_url: must be empty or a URL starting with http:// or https://', 'example.com/hook'],
    ['media_dir=', 'media_dir: must not be empty', ''],
    ['rtmp_servers_db=', 'rtmp_servers_db: must not be empty', ''],
    ['codec_workers=0', 'codec_workers: must be auto or an integer from 1 to 64', '0'],
  ])('%s is refused with file, line, key, problem and value', (line, problem, value) => {
    const error = catchConfigError(() => parse(`# line 1\n\n${line}\n`));
    expect(error.code).toBe('CONFIG_INVALID_VALUE');
    expect(error.message).toBe(`${FILE}:3: ${problem} (got '${value}')`);
  });
});

describe('parseSettings warnings', () => {
  test('an unknown key far from every setting (WCS has hundreds) is ignored with a warning naming file and line', () => {
    const { settings, warnings } = parse('ws.port=9000\ncodecs_exclude_streaming=flv,telephone-event\nrtmp.port=1935\n');
    expect(settings.wsPort).toBe(9000);
    expect(warnings).toEqual([
      `${FILE}:2: unknown setting 'codecs_exclude_streaming' (ignored)`,
      // Two edits from http.port: a key of WCS's own, not a typo.
      `${FILE}:3: unknown setting 'rtmp.port' (ignored)`,
    ]);
  });

  test.each([
    ['rtmp_transponder_full_ur=true', 'rtmp_transponder_full_ur', 'rtmp_transponder_full_url'],
    ['rtmp_transpnoder_ful_url=true', 'rtmp_transpnoder_ful_url', 'rtmp_transponder_full_url'],
    ['ws_port=9001', 'ws_port', 'ws.port'],
    ['HTTP.PORT=9001', 'HTTP.PORT', 'http.port'],
    ['log-level=debug', 'log-level', 'log_level'],
  ])('a mistyped key (%s) stops the start with file, line and the setting meant', (line, key, meant) => {
    const error = catchConfigError(() => parse(`# line 1\n${line}\n`));
    expect(error.code).toBe('CONFIG_UNKNOWN_SETTING');
    expect(error.message).toBe(`${FILE}:2: unknown setting '${key}' (did you mean '${meant}'?)`);
  });

  test('the line of each setting given is known, the last one of a key given twice', () => {
    const loaded = parse('# c\nws.port=9000\n\nhttp.port=9001\nws.port=9002\n');
    expect([...loaded.lines]).toEqual([['http.port', 4], ['ws.port', 5]]);
    expect(whereSet(loaded, 'ws.port')).toBe(`${FILE}:5`);
    expect(whereSet(loaded, 'wss.port')).toBe(FILE);
  });

  test('a setting given twice keeps the last value and warns', () => {
    const { settings, warnings } = parse('ws.port=9000\nws.port=9001\n');
    expect(settings.wsPort).toBe(9001);
    expect(warnings).toEqual([`${FILE}:2: 'ws.port' is set again, overriding line 1`]);
  });

  test('only the value that wins is validated', () => {
    expect(parse('ws.port=nope\nws.port=9001\n').settings.wsPort).toBe(9001);
  });

  test('syntax errors carry the file name', () => {
    const error = catchConfigError(() => parse('ws.port\n'));
    expect(error.code).toBe('CONFIG_SYNTAX');
    expect(error.message).toBe(`${FILE}:1: expected key=value or key:value (got 'ws.port')`);
  });
});

describe('parseSettings cross-setting rules', () => {
  test.each([
    ['media_port_from=32001', `${FILE}:1: media_port_from: media_port_from (32001) is above media_port_to (32000) (got '32001')`],
    [
      'media_port_to=40000\nmedia_port_from=40001',
      `${FILE}:2: media_port_from: media_port_from (40001) is above media_port_to (40000) (got '40001')`,
    ],
    [
      'media_port_from=40001\nmedia_port_to=40000',
      `${FILE}:2: media_port_to: media_port_from (40001) is above media_port_to (40000) (got '40000')`,
    ],
    ['tls_certificate_file=cert.pem', `${FILE}:1: tls_certificate_file: tls_certificate_file and tls_private_key_file must be set together (got 'cert.pem')`],
    ['tls_private_key_file=key.pem', `${FILE}:1: tls_private_key_file: tls_certificate_file and tls_private_key_file must be set together (got 'key.pem')`],
    [
      'webrtc_start_bitrate=5000',
      `${FILE}:1: webrtc_start_bitrate: webrtc_start_bitrate (5000) is not between webrtc_min_bitrate (500) and webrtc_max_bitrate (4000) (got '5000')`,
    ],
    [
      'webrtc_max_bitrate=400',
      `${FILE}:1: webrtc_max_bitrate: webrtc_start_bitrate (2500) is not between webrtc_min_bitrate (500) and webrtc_max_bitrate (400) (got '400')`,
    ],
    [
      'rtmp_push_retry_max_delay=500',
      `${FILE}:1: rtmp_push_retry_max_delay: rtmp_push_retry_initial_delay (1000) is above rtmp_push_retry_max_delay (500) (got '500')`,
    ],
    ['rtmp_push_auto_start=true', `${FILE}:1: rtmp_push_auto_start: rtmp_push_auto_start is true but rtmp_push_auto_start_url is empty (got 'true')`],
    [
      'rtmp_push_auto_start=true\nrtmp_push_auto_start_url=',
      `${FILE}:2: rtmp_push_auto_start_url: rtmp_push_auto_start is true but rtmp_push_auto_start_url is empty (got '')`,
    ],
    [
      'ip=203.0.113.7:40000\nwebrtc_udp_port=',
      `${FILE}:2: webrtc_udp_port: ip entry 203.0.113.7:40000 maps a port (1:1 NAT), which needs the shared port: set webrtc_udp_port (got '')`,
    ],
    ['ice_turn_username=u', `${FILE}:1: ice_turn_username: ice_turn_username and ice_turn_password must be set together (got 'u')`],
    // A secret is never quoted back.
    ['ice_turn_password=hunter2', `${FILE}:1: ice_turn_password: ice_turn_username and ice_turn_password must be set together (got '***')`],
    [
      'ice_servers=turn:t.example.com\nice_turn_username=u\nice_turn_password=p\nice_turn_secret=s3cret',
      `${FILE}:4: ice_turn_secret: set either ice_turn_secret (time-limited credentials) or ice_turn_username and ice_turn_password (static ones), not both (got '***')`,
    ],
    [
      'ice_servers=stun:s.example.com,turn:t.example.com:3478',
      `${FILE}:1: ice_servers: ice_servers has a turn: URL but no credentials: set ice_turn_secret, or ice_turn_username and ice_turn_password (browsers refuse TURN without them) (got 'stun:s.example.com,turn:t.example.com:3478')`,
    ],
    ['ice_turn_secret=s3cret', `${FILE}:1: ice_turn_secret: TURN credentials are set but ice_servers has no turn: or turns: URL (got '***')`],
    [
      'ice_servers=stun:s.example.com\nice_transport_policy=relay',
      `${FILE}:2: ice_transport_policy: ice_transport_policy is relay but ice_servers has no turn: or turns: URL: no publisher could connect (got 'relay')`,
    ],
  ])('%j is refused, pointing at the key set last', (text, message) => {
    const error = catchConfigError(() => parse(text));
    expect(error.code).toBe('CONFIG_INVALID_VALUE');
    expect(error.message).toBe(message);
  });

  test('consistent pairs are accepted', () => {
    const { settings } = parse(
      'media_port_from=40000\nmedia_port_to=40000\ntls_certificate_file=c.pem\ntls_private_key_file=k.pem\n' +
        'rtmp_push_auto_start=true\nrtmp_push_auto_start_url=rtmp://127.0.0.1/live/stream\n',
    );
    expect(settings).toMatchObject({ mediaPortFrom: 40000, mediaPortTo: 40000, rtmpPushAutoStart: true });
  });

  test('an auto-start URL may be set while auto start is off', () => {
    expect(parse('rtmp_push_auto_start_url=rtmp://127.0.0.1/live').settings.rtmpPushAutoStartUrl).toBe('rtmp://127.0.0.1/live');
  });
});

describe('loadSettings', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-config-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  test('reads a UTF-8 file with a byte order mark and CRLF line endings', () => {
    const file = write('bom.properties', Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('ws.port=9100\r\nrtmp_flash_version=Gäteway/1.0\r\n')]));
    const { settings, warnings } = loadSettings(file);
    expect(warnings).toEqual([]);
    expect(settings.wsPort).toBe(9100);
    expect(settings.rtmpFlashVersion).toBe('Gäteway/1.0');
  });

  test('names the file in warnings and errors', () => {
    const file = write('named.properties', Buffer.from('bogus=1\n'));
    expect(loadSettings(file).warnings).toEqual([`${file}:1: unknown setting 'bogus' (ignored)`]);
    const bad = write('bad.properties', Buffer.from('\nws.port=http\n'));
    expect(catchConfigError(() => loadSettings(bad)).message).toBe(`${bad}:2: ws.port: must be an integer from 1 to 65535 (got 'http')`);
  });

  test('a missing file throws CONFIG_FILE_NOT_FOUND naming the file', () => {
    const file = path.join(dir, 'absent.properties');
    const error = catchConfigError(() => loadSettings(file));
    expect(error.code).toBe('CONFIG_FILE_NOT_FOUND');
    expect(error.message).toBe(`${file}: settings file not found`);
  });

  test('a directory throws CONFIG_FILE_UNREADABLE naming the path', () => {
    const error = catchConfigError(() => loadSettings(dir));
    expect(error.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(error.message).toBe(`${dir}: cannot read settings file (EISDIR)`);
  });

  test('bytes that are not UTF-8 throw CONFIG_FILE_UNREADABLE instead of producing mangled values', () => {
    // 0xE9 is "é" in ISO-8859-1, which Java's Properties.load would accept.
    const file = write('latin1.properties', Buffer.from([...Buffer.from('rtmp_flash_version=Caf'), 0xe9, 0x0a]));
    const error = catchConfigError(() => loadSettings(file));
    expect(error.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(error.message).toBe(`${file}: settings file is not valid UTF-8`);
  });

  test('random bytes either load or throw ConfigError, never anything else', () => {
    const alphabet = Buffer.from('=:\\#! \t\r\nak1.-,/');
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const outcomes = new Set<string>();
    for (let run = 0; run < 300; run++) {
      // Mostly printable separators, sometimes a byte that breaks UTF-8.
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(next() * 48) }, () => (next() < 0.05 ? 0xc3 : alphabet[Math.floor(next() * alphabet.length)])),
      );
      const file = write('fuzz.properties', bytes);
      try {
        loadSettings(file);
        outcomes.add('loaded');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        outcomes.add((err as ConfigError).code);
      }
    }
    expect(outcomes).toEqual(new Set(['loaded', 'CONFIG_SYNTAX', 'CONFIG_FILE_UNREADABLE']));
  });
});
