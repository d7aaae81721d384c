/** Stable reasons for {@link RtmpUrlError}. */
export type RtmpUrlErrorCode = 'BAD_SCHEME' | 'BAD_HOST' | 'BAD_PORT' | 'BAD_CREDENTIALS' | 'MISSING_APP' | 'MISSING_STREAM_NAME' | 'BAD_URL';

/** A publish target URL that cannot be used. */
export class RtmpUrlError extends Error {
  override readonly name = 'RtmpUrlError';

  constructor(
    readonly code: RtmpUrlErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Where and how to connect, and what to send in `connect`. */
export interface ParsedRtmpUrl {
  /** rtmps:// (RTMP over TLS). */
  readonly secure: boolean;
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port: from the URL, else 1935 (rtmp) or 443 (rtmps). */
  readonly port: number;
  /** `app` of the connect command: the path as written, with any query and credentials appended. */
  readonly app: string;
  /** `tcUrl` of the connect command: scheme://host[:port]/app, without user info. */
  readonly tcUrl: string;
  /** Stream name (key) taken from the URL, in full-URL mode only. */
  readonly streamName?: string;
  /** User and password from the URL's user info, percent-decoded, for Adobe authentication. */
  readonly credentials?: { readonly user: string; readonly password: string };
}

/** How to read the path. */
export interface RtmpUrlOptions {
  /** Full-URL mode: the last path segment is the stream name. Default false: the whole path is the app. */
  readonly streamNameInUrl?: boolean;
}

const DEFAULT_PORT = { rtmp: 1935, rtmps: 443 } as const;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IPV6 = /^\[([0-9A-Fa-f:.]+)\]$/;

/**
 * Parses a publish target with Web Call Server's rules:
 * - default mode: everything after `host[:port]/`, query included and verbatim, is the app
 *   (`rtmp://h/app/instance?x` → app `app/instance?x`), and the caller supplies the stream name;
 * - full-URL mode: the last `/`-separated segment before any `?` starts the stream name, which
 *   keeps its own query (`rtmp://h/live/key?t=1` → app `live`, stream `key?t=1`);
 * - `user:pass@` is appended to the app as a query: `live` → `live/?user&pass`, or `&user&pass`
 *   after an existing query; it appears in tcUrl the same way, never as user info.
 * Throws RtmpUrlError.
 */
export function parseRtmpUrl(url: string, options: RtmpUrlOptions = {}): ParsedRtmpUrl {
  const text = url.trim();
  // Error messages end up in logs: never echo a password.
  const shown = JSON.stringify(text.replace(/^([^:/?#]*:\/\/)[^/?#]*@/, '$1***@'));
  if (/\s/.test(text)) throw new RtmpUrlError('BAD_URL', `RTMP URL must not contain spaces: ${shown}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  const protocol = scheme?.[1]!.toLowerCase();
  if (protocol !== 'rtmp' && protocol !== 'rtmps') {
    throw new RtmpUrlError('BAD_SCHEME', `unsupported URL ${shown}: only rtmp:// and rtmps:// are accepted`);
  }
  const afterScheme = text.slice(scheme![0].length);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const rest = authorityEnd === -1 ? '' : afterScheme.slice(authorityEnd);

  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? undefined : authority.slice(0, at);
  const { host, hostInUrl, port, portInUrl } = parseHostPort(authority.slice(at + 1), protocol, shown);

  if (!rest.startsWith('/') || rest.length === 1) throw new RtmpUrlError('MISSING_APP', `no application in ${shown}: expected ${protocol}://host[:port]/app`);
  let app = rest.slice(1);
  let streamName: string | undefined;
  if (options.streamNameInUrl === true) {
    const queryStart = app.indexOf('?');
    const lastSlash = app.lastIndexOf('/', queryStart === -1 ? app.length : queryStart);
    streamName = app.slice(lastSlash + 1);
    app = lastSlash === -1 ? '' : app.slice(0, lastSlash);
    if (streamName === '') throw new RtmpUrlError('MISSING_STREAM_NAME', `no stream name after the last '/' in ${shown}`);
    if (app === '') throw new RtmpUrlError('MISSING_APP', `no application before the stream name in ${shown}`);
  }

  let credentials: ParsedRtmpUrl['credentials'];
  if (userInfo !== undefined && userInfo !== '') {
    const colon = userInfo.indexOf(':');
    const rawUser = colon === -1 ? userInfo : userInfo.slice(0, colon);
    const rawPassword = colon === -1 ? '' : userInfo.slice(colon + 1);
    credentials = { user: percentDecode(rawUser, shown), password: percentDecode(rawPassword, shown) };
    const suffix = colon === -1 ? rawUser : `${rawUser}&${rawPassword}`;
    app = app.includes('?') ? `${app}&${suffix}` : `${app.endsWith('/') ? app : `${app}/`}?${suffix}`;
  }

  const tcUrl = `${protocol}://${hostInUrl}${portInUrl === undefined ? '' : `:${portInUrl}`}/${app}`;
  return {
    secure: protocol === 'rtmps',
    host,
    port,
    app,
    tcUrl,
    ...(streamName === undefined ? {} : { streamName }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

function parseHostPort(hostPort: string, protocol: 'rtmp' | 'rtmps', shown: string): { host: string; hostInUrl: string; port: number; portInUrl: string | undefined } {
  const ipv6 = IPV6.exec(hostPort.slice(0, hostPort.indexOf(']') + 1));
  const hostInUrl = ipv6 !== null ? ipv6[0] : hostPort.split(':')[0]!;
  const afterHost = hostPort.slice(hostInUrl.length);
  if (hostInUrl === '') throw new RtmpUrlError('BAD_HOST', `no host in ${shown}`);
  if (ipv6 === null && !HOST_NAME.test(hostInUrl)) throw new RtmpUrlError('BAD_HOST', `invalid host ${JSON.stringify(hostInUrl)} in ${shown}`);
  let portInUrl: string | undefined;
  let port: number = DEFAULT_PORT[protocol];
  if (afterHost !== '') {
    portInUrl = afterHost.startsWith(':') ? afterHost.slice(1) : afterHost;
    port = /^\d{1,5}$/.test(portInUrl) ? Number(portInUrl) : NaN;
    if (!afterHost.startsWith(':') || !(port >= 1 && port <= 65535)) {
      throw new RtmpUrlError('BAD_PORT', `invalid port ${JSON.stringify(afterHost.replace(/^:/, ''))} in ${shown}`);
    }
  }
  return { host: ipv6 !== null ? ipv6[1]! : hostInUrl, hostInUrl, port, portInUrl };
}

function percentDecode(text: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RtmpUrlError('BAD_CREDENTIALS', `malformed percent-encoding in the user info of ${shown}`);
  }
}
