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
