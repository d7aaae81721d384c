/** What `sdpBomb()` builds. */
export interface SdpBombOptions {
  /** Opus m= sections, each with its own mid. */
  sections: number;
  /** true: every section in one BUNDLE group (a werift peer then shares one transport); false: none. */
  bundle: boolean;
}

/**
 * A valid offer of `sections` Opus sections, ICE and DTLS attributes at session level so each
 * section is three lines: the attack that took every media UDP port was 400 of them without
 * BUNDLE in 28 KB, under the offer size bound, so only the section bound stops it.
 */
export function sdpBomb(options: SdpBombOptions): string {
  const mids = Array.from({ length: options.sections }, (_, i) => String(i));
  const lines = [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:sha-256 ${Array(32).fill('AB').join(':')}`,
    'a=setup:actpass',
  ];
  if (options.bundle) lines.push(`a=group:BUNDLE ${mids.join(' ')}`);
  for (const mid of mids) lines.push('m=audio 9 UDP/TLS/RTP/SAVPF 111', `a=mid:${mid}`, 'a=rtpmap:111 opus/48000/2');
  return `${lines.join('\r\n')}\r\n`;
}
