import { Prng } from '../../support/prng';

/** One hostile HTTP request. */
export interface RestCase {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Every management endpoint, with the fields its body takes. */
const ENDPOINTS: ReadonlyArray<{ path: string; fields: readonly string[] }> = [
  { path: '/rest-api/push/startup', fields: ['streamName', 'rtmpUrl', 'rtmpTransponderFullUrl', 'rtmpFlashVersion', 'options', 'reserve'] },
  { path: '/rest-api/push/find', fields: ['streamName', 'rtmpUrl', 'showSecrets'] },
  { path: '/rest-api/push/find_all', fields: ['showSecrets'] },
  { path: '/rest-api/push/terminate', fields: ['mediaSessionId'] },
  { path: '/rest-api/push/mute', fields: ['mediaSessionId'] },
  { path: '/rest-api/push/unmute', fields: ['mediaSessionId'] },
  { path: '/rest-api/push/sound_on', fields: ['mediaSessionId', 'soundFile', 'loop'] },
  { path: '/rest-api/push/sound_off', fields: ['mediaSessionId'] },
  { path: '/rest-api/recorder/startup', fields: ['mediaSessionId', 'streamName', 'id', 'config'] },
  { path: '/rest-api/recorder/terminate', fields: ['mediaSessionId'] },
  { path: '/rest-api/recorder/find', fields: ['mediaSessionId', 'streamName'] },
  { path: '/rest-api/recorder/find_all', fields: [] },
  { path: '/records/x.mp4', fields: ['expires', 'signature'] },
  { path: '/rest-api/openapi.json', fields: [] },
  { path: '/api/rtmp-servers/create', fields: ['server_name', 'server_type', 'server_buflen', 'server_port', 'server_active'] },
  { path: '/api/rtmp-servers/update', fields: ['id', 'server_name', 'server_port', 'server_buflen'] },
  { path: '/api/rtmp-servers/getAll', fields: [] },
  { path: '/api/rtmp-servers/getById', fields: ['id'] },
  { path: '/api/rtmp-servers/start', fields: ['id'] },
  { path: '/api/rtmp-servers/stop', fields: ['id'] },
  { path: '/api/rtmp-servers/remove', fields: ['id'] },
  { path: '/api/rtmp-servers/rules/create', fields: ['server_id', 'rule_action', 'rule_app', 'rule_stream_key', 'rule_webhook_url', 'rule_allow_ips', 'rule_deny_ips'] },
  { path: '/api/rtmp-servers/rules/getAll', fields: ['server_id'] },
  { path: '/metrics', fields: [] },
];

const STRINGS = ['', ' ', 'cam', '../../etc/passwd', 'sample.wav', '%00', '\u0000', '💥'.repeat(50), '<script>', 'rtmp://', 'rtmp://127.0.0.1:1/live', 'rtmps://[::1]:0/x', 'http://169.254.169.254/', 'rtmp://u:p@h/a/b?c=d', '*', '127.0.0.1/33', 'SERVER_TYPE_RTMP', 'publish', 'x'.repeat(3000)];

/**
 * `count` seeded hostile requests over every management endpoint: fields of the wrong type,
 * deeply nested values, long and odd strings, unknown fields, malformed or oversized JSON, wrong
 * content types and methods, and unknown paths. A few start real (reserved) pushes and RTMP servers
 * on `ports`: the caller cleans them up.
 */
export function restInputs(seed: number, count: number, ports: readonly number[]): RestCase[] {
  const prng = new Prng(seed);
  const value = (depth: number): unknown => {
    switch (prng.below(depth > 3 ? 6 : 9)) {
      case 0: return prng.pick(STRINGS);
      case 1: return prng.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, 65535, 65536, prng.pick(ports)]);
      case 2: return prng.next() < 0.5;
      case 3: return null;
      case 4: return prng.bytes(prng.below(40)).toString('latin1');
      case 5: return prng.pick(ports);
      case 6: return Array.from({ length: prng.below(4) }, () => value(depth + 1));
      case 7: return Object.fromEntries(Array.from({ length: prng.below(4) }, (_, i) => [`k${i}`, value(depth + 1)]));
      default: return prng.pick(['rtmp://127.0.0.1:1/live', `rtmp://127.0.0.1:${prng.pick(ports)}/live/key`]);
    }
  };
  const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const cases: RestCase[] = [];
  for (let i = 0; i < count; i++) {
    const endpoint = prng.pick(ENDPOINTS);
    const json = { 'content-type': 'application/json' };
    const body = Object.fromEntries(endpoint.fields.filter(() => prng.next() < 0.7).map((field) => [field, value(0)]));
    if (endpoint.path.endsWith('/startup') && prng.next() < 0.3) Object.assign(body, { reserve: true, rtmpUrl: `rtmp://127.0.0.1:${prng.pick(ports)}/live` });
    if (prng.next() < 0.1) Object.assign(body, { [`unknown${prng.below(100)}`]: value(0) });
    switch (prng.below(10)) {
      case 0:
        cases.push({ kind: 'nested JSON', method: 'POST', path: endpoint.path, headers: json, body: `{"${prng.pick(endpoint.fields.length > 0 ? endpoint.fields : ['x'])}":${nested(1000 + prng.below(20_000))}}` });
        break;
      case 1:
        cases.push({ kind: 'malformed JSON', method: 'POST', path: endpoint.path, headers: json, body: JSON.stringify(body).slice(0, prng.below(40)) + prng.bytes(prng.below(20)).toString('latin1') });
        break;
      case 2:
        cases.push({ kind: 'oversized body', method: 'POST', path: endpoint.path, headers: json, body: JSON.stringify({ ...body, pad: 'x'.repeat(70_000 + prng.below(100_000)) }) });
        break;
      case 3:
        cases.push({ kind: 'wrong content type', method: 'POST', path: endpoint.path, headers: { 'content-type': prng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) }, body: JSON.stringify(body) });
        break;
      case 4: {
        const method = prng.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'GET']);
        const withBody = method !== 'GET' && method !== 'HEAD' && prng.next() < 0.5;
        cases.push({ kind: 'odd method', method, path: endpoint.path, headers: json, ...(withBody ? { body: JSON.stringify(body) } : {}) });
        break;
      }
      case 5:
        cases.push({ kind: 'unknown path', method: 'POST', path: `${endpoint.path}${prng.pick(['/x', '/../../metrics', '%2e%2e/', '?a=%ff&b', '/' + 'y'.repeat(2000)])}`, headers: json, body: '{}' });
        break;
      default:
        cases.push({ kind: 'fields of any type', method: endpoint.path.endsWith('/remove') ? 'DELETE' : 'POST', path: endpoint.path, headers: json, body: JSON.stringify(body) });
    }
  }
  return cases;
}
