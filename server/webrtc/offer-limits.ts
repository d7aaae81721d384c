import { parseSdp } from './sdp-lines';

/** Bounds on a publisher's SDP offer, checked before werift sees it. */
export interface OfferLimits {
  /** Longest offer accepted, bytes (UTF-8). */
  maxBytes: number;
  /** Most m= sections accepted, rejected ones (port 0) included. */
  maxMediaSections: number;
}

/**
 * Checks that an offer is one a browser publishing audio and video sends; returns why not, or
 * undefined. werift gives every m= section outside a BUNDLE group its own ICE transport, one UDP
 * port per host address, found by a linear scan of the port range: a 400-section offer took every
 * media port for 45 s. So the offer must be small, BUNDLE every section it uses, and name each
 * section once.
 */
export function offerRefusal(sdp: string, limits: OfferLimits): string | undefined {
  const bytes = Buffer.byteLength(sdp, 'utf8');
  if (bytes > limits.maxBytes) return `the offer is ${bytes} bytes (at most ${limits.maxBytes})`;
  const doc = parseSdp(sdp);
  if (doc.media.length === 0) return 'the offer has no media section';
  if (doc.media.length > limits.maxMediaSections) return `the offer has ${doc.media.length} media sections (at most ${limits.maxMediaSections})`;
  const bundled = new Set(doc.session.filter((line) => line.startsWith('a=group:BUNDLE ')).flatMap((line) => line.split(' ').slice(1)));
  if (bundled.size === 0) return 'the offer has no BUNDLE group';
  const mids = new Set<string>();
  const activeKinds = new Set<string>();
  for (const section of doc.media) {
    if (section.kind !== 'audio' && section.kind !== 'video') return `the offer has a media section of kind '${section.kind.slice(0, 16)}' (only audio and video)`;
    const mid = section.lines.find((line) => line.startsWith('a=mid:'))?.slice('a=mid:'.length);
    if (mid === undefined || mid === '') return 'a media section of the offer has no mid';
    if (mids.has(mid)) return `the offer names mid '${mid.slice(0, 16)}' twice`;
    mids.add(mid);
    if (section.port === '0') continue;
    if (!bundled.has(mid)) return `media section '${mid.slice(0, 16)}' is outside the BUNDLE group`;
    // Each kind feeds one track of the stream: a second one would silently replace the first.
    if (activeKinds.has(section.kind)) return `the offer has more than one ${section.kind} section`;
    activeKinds.add(section.kind);
  }
  return undefined;
}
