import { GatewayError } from '../../errors';
import type { PushRequest, TrackSelection } from '../../push/types';
import type { StartPushBody } from './ome-push-schemas';

/** OME's push protocols and the URL schemes each accepts. */
const PROTOCOL_SCHEMES: Record<string, readonly string[]> = {
  rtmp: ['rtmp', 'rtmps'],
  mpegts: ['udp'],
  srt: ['srt'],
};

/** The track names `variantNames` may list. */
export const VARIANT_NAMES = ['video', 'audio'] as const;

/**
 * A startPush body as a push request of the gateway. The stream names of every app are the same
 * (`scope` only remembers where the push was made); OME pushes are reserved: one made before its
 * stream is published starts when it is.
 */
export function pushRequestOfOme(body: StartPushBody, scope: string): PushRequest {
  const protocol = body.protocol.toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(body.url)?.[1]?.toLowerCase();
  const schemes = PROTOCOL_SCHEMES[protocol] ?? [];
  if (scheme === undefined || !schemes.includes(scheme)) {
    throw new GatewayError('INVALID_BODY', `protocol '${protocol}' needs a ${schemes.map((s) => `${s}://`).join(' or ')} url`);
  }
  if (body.stream.trackIds !== undefined && body.stream.trackIds.length > 0) {
    throw new GatewayError('INVALID_BODY', `stream.trackIds is not supported (track ids change with every publication): select tracks with stream.variantNames (${VARIANT_NAMES.join(', ')})`);
  }
  const streamKey = body.streamKey ?? '';
  return {
    id: body.id,
    sourceName: body.stream.name,
    url: targetUrl(protocol, body.url, streamKey),
    // RTMP: the URL's last segment is the stream key, as OME sends it (no prefix added).
    ...(protocol === 'rtmp' ? { fullUrl: true } : {}),
    tracks: trackSelection(body.stream.variantNames ?? []),
    reserve: true,
    scope,
  };
}

/** The URL the push goes to: RTMP appends the stream key; SRT takes it as the streamid when the URL has none. */
function targetUrl(protocol: string, url: string, streamKey: string): string {
  if (streamKey === '') return url;
  if (protocol === 'rtmp') return `${url.replace(/\/+$/, '')}/${streamKey}`;
  if (protocol === 'srt' && !/[?&]streamid=/.test(url)) return `${url}${url.includes('?') ? '&' : '?'}streamid=${encodeURIComponent(streamKey)}`;
  return url;
}

function trackSelection(names: readonly string[]): TrackSelection {
  const unknown = names.filter((name) => !(VARIANT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new GatewayError('INVALID_BODY', `stream.variantNames: unknown track '${unknown[0]}': the gateway's tracks are ${VARIANT_NAMES.map((n) => `'${n}'`).join(' and ')}`);
  }
  if (names.length === 0) return { video: true, audio: true };
  return { video: names.includes('video'), audio: names.includes('audio') };
}
