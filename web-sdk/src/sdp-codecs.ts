import { parseCodecNames } from './codec-names';

const MEDIA_LINE = /^m=/;
const RTPMAP = /^a=rtpmap:(\d+) ([^/\s]+)/;
const RTX_APT = /^a=fmtp:(\d+) .*\bapt=(\d+)/;
const PAYLOAD_ATTRIBUTE = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)\s/;

/**
 * Removes the codecs named in `codecs` (comma-separated encoding names such as "VP8" or "H264,VP9",
 * case-insensitive) from every media section of `sdp`, like the official SDK's `stripCodecs`:
 * their rtpmap/fmtp/rtcp-fb lines and payload types on the m= line go, and so do the RTX payload
 * types that retransmit them (the official SDK leaves those dangling). Names are matched exactly,
 * not as substrings. Line endings are preserved; text that is not SDP comes back unchanged.
 */
export function stripCodecs(sdp: string, codecs: string): string {
  const names = parseCodecNames(codecs);
  if (names.size === 0) {
    return sdp;
  }
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const kept: string[] = [];
  let section: string[] = [];
  const flush = (): void => {
    kept.push(...stripSection(section, names));
    section = [];
  };
  for (const line of lines) {
    if (MEDIA_LINE.test(line)) {
      flush();
    }
    section.push(line);
  }
  flush();
  return kept.join(eol);
}

/** Strips one media section (its m= line first) or the session part before the first m= line. */
function stripSection(section: readonly string[], names: ReadonlySet<string>): string[] {
  const removed = new Set<string>();
  for (const line of section) {
    const rtpmap = RTPMAP.exec(line);
    if (rtpmap !== null && names.has(rtpmap[2].toUpperCase())) {
      removed.add(rtpmap[1]);
    }
  }
  if (removed.size === 0) {
    return [...section];
  }
  for (const line of section) {
    const rtx = RTX_APT.exec(line);
    if (rtx !== null && removed.has(rtx[2])) {
      removed.add(rtx[1]);
    }
  }
  return section
    .filter((line) => {
      const attribute = PAYLOAD_ATTRIBUTE.exec(line);
      return attribute === null || !removed.has(attribute[1]);
    })
    .map((line) => (MEDIA_LINE.test(line) ? withoutPayloadTypes(line, removed) : line));
}

/** `m=video 9 UDP/TLS/RTP/SAVPF 96 97 98` minus the payload types in `removed`. */
function withoutPayloadTypes(mediaLine: string, removed: ReadonlySet<string>): string {
  const fields = mediaLine.split(' ');
  if (fields.length < 4) {
    return mediaLine;
  }
  const formats = fields.slice(3).filter((format) => !removed.has(format));
  return [...fields.slice(0, 3), ...formats].join(' ');
}
