import { GatewayError } from '../errors';
import { parseRtmpUrl, RtmpUrlError, type ParsedRtmpUrl } from '../rtmp/protocol/url';

/** Where a push goes: the parsed URL and the stream name used in `publish`. */
export interface PushTarget {
  url: ParsedRtmpUrl;
  /** Stream name on the target (WCS: `rtmp_<source>`, or the URL's last segment in full-URL mode). */
  streamName: string;
}

/**
 * Resolves a push target as Web Call Server does: by default the whole path of `rtmpUrl` is the
 * application and the stream is published as `<prefix><source name>`; in full-URL mode (YouTube and
 * Facebook stream keys) the last path segment is the stream name and no prefix is added.
 * Throws GatewayError INVALID_URL with the reason.
 */
export function resolvePushTarget(rtmpUrl: string, sourceName: string, fullUrl: boolean, prefix: string): PushTarget {
  let url: ParsedRtmpUrl;
  try {
    url = parseRtmpUrl(rtmpUrl, { streamNameInUrl: fullUrl });
  } catch (err) {
    if (err instanceof RtmpUrlError) throw new GatewayError('INVALID_URL', `Invalid rtmpUrl: ${err.message}`);
    throw err;
  }
  // In full-URL mode parseRtmpUrl refuses a URL without a stream name, so one is there.
  return { url, streamName: fullUrl ? (url.streamName ?? '') : `${prefix}${sourceName}` };
}

/**
 * The URL as logs and unprivileged API readers may see it: no password, query values masked
 * (`?token=***`), and a stream key in full-URL mode shortened to its first 4 characters (keys are
 * secrets that give publishing rights).
 */
export function redactUrl(rtmpUrl: string, fullUrl: boolean): string {
  let shown = rtmpUrl.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1***@');
  if (fullUrl) shown = shown.replace(/\/([^/?]{4})[^/?]*(\?.*)?$/, '/$1…');
  return shown.replace(/([?&][^=&#]*=)[^&#]*/g, '$1***');
}

/** A stream key shortened to its first 4 characters. */
export function redactKey(key: string): string {
  return key.length > 4 ? `${key.slice(0, 4)}…` : '…';
}

/** The setting that makes the URL's last segment the stream name, as the REST call and the settings file name it. */
const FULL_URL_SETTING = 'set rtmpTransponderFullUrl: true in the call (or rtmp_transponder_full_url=true)';

/**
 * What a target's refusal of `connect` or `publish` most likely means, phrased from what the push
 * sent (the application, the stream name; a stream key shortened to 4 characters), and what to
 * change: a stream key left in the application (a full URL pushed without full-URL mode) is the
 * usual mistake.
 */
export function rejectionHint(refused: 'connect' | 'publish', url: ParsedRtmpUrl, streamName: string): string {
  const fullUrl = url.streamName !== undefined;
  // The path as written: without the query, nor the credentials WCS appends to it.
  const app = url.app.split('?')[0]!.replace(/\/+$/, '');
  const segments = app.split('/');
  if (refused === 'connect') {
    if (!fullUrl && segments.length > 1) {
      const parent = segments.slice(0, -1).join('/');
      const key = redactKey(segments.at(-1)!);
      return `the target refused the application '${parent}/${key}': is this a full URL ending with the stream key? ${FULL_URL_SETTING} to publish '${key}' in '${parent}'`;
    }
    return `the target refused the application '${app}': check the application in the URL${url.credentials ? ', and its user and password' : ''}`;
  }
  if (fullUrl) return `the target refused the stream key '${redactKey(streamName)}' in the application '${app}': check the key (is it current, and not in use by another encoder?)`;
  return `the target refused the stream name '${streamName}' in the application '${app}': if it expects a stream key, put the key at the end of the URL and ${FULL_URL_SETTING}`;
}
