import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripCodecs } from '../../../web-sdk/src/sdp-codecs';

// A real sendonly offer (audio + video, ICE candidates gathered) from Chromium 156 with the fake camera.
const CHROMIUM_OFFER = readFileSync(join(__dirname, 'fixtures', 'chromium-156-sendonly-offer.sdp'), 'utf8');

/** Payload types listed on the m= line of `kind`. */
function formats(sdp: string, kind: 'audio' | 'video'): string[] {
  const line = sdp.split('\r\n').find((candidate) => candidate.startsWith(`m=${kind} `));
  if (line === undefined) {
    throw new Error(`no m=${kind} line`);
  }
  return line.split(' ').slice(3);
}

/** Encoding name of each payload type on the m= line of `kind`, in order. */
function codecNames(sdp: string, kind: 'audio' | 'video'): string[] {
  return formats(sdp, kind).map((pt) => new RegExp(`^a=rtpmap:${pt} ([^/]+)/`, 'm').exec(sdp.replace(/\r/g, ''))?.[1] ?? `?${pt}`);
}

/** Every a=rtpmap/fmtp/rtcp-fb line must name a payload type still on its m= line, and every apt= must point at one. */
function expectConsistent(sdp: string): void {
  for (const section of sdp.split(/\r\n(?=m=)/).slice(1)) {
    const listed = new Set(section.split('\r\n')[0].split(' ').slice(3));
    for (const [, pt] of section.matchAll(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /gm)) {
      expect(listed).toContain(pt);
    }
    for (const [, apt] of section.matchAll(/apt=(\d+)/g)) {
      expect(listed).toContain(apt);
    }
  }
}

describe('stripCodecs', () => {
  it('leaves the SDP byte-identical for an empty list, blanks and commas only', () => {
    expect(stripCodecs(CHROMIUM_OFFER, '')).toBe(CHROMIUM_OFFER);
    expect(stripCodecs(CHROMIUM_OFFER, ' , ,')).toBe(CHROMIUM_OFFER);
  });

  it('leaves the SDP byte-identical when no listed codec is offered', () => {
    expect(stripCodecs(CHROMIUM_OFFER, 'H265,SILK')).toBe(CHROMIUM_OFFER);
  });

  it('removes VP8 and its RTX payload type (96, 97) and nothing else', () => {
    const stripped = stripCodecs(CHROMIUM_OFFER, 'VP8');
    expect(formats(stripped, 'video')).toEqual(formats(CHROMIUM_OFFER, 'video').filter((pt) => pt !== '96' && pt !== '97'));
    expect(stripped).not.toMatch(/^a=(?:rtpmap|fmtp|rtcp-fb):9[67] /m);
    expect(codecNames(stripped, 'video')[0]).toBe('H264');
    expect(formats(stripped, 'audio')).toEqual(formats(CHROMIUM_OFFER, 'audio'));
    expectConsistent(stripped);
  });

  it('removes every H.264 profile and VP9 for "H264,VP9", keeping VP8 first and AV1', () => {
    const stripped = stripCodecs(CHROMIUM_OFFER, 'H264,VP9');
    expect(stripped).not.toMatch(/H264|VP9/);
    expect(codecNames(stripped, 'video')).toEqual(['VP8', 'rtx', 'AV1', 'rtx', 'red', 'rtx', 'ulpfec']);
    expectConsistent(stripped);
  });

  it('matches names case-insensitively and ignores spaces around them', () => {
    expect(stripCodecs(CHROMIUM_OFFER, ' h264 , vp9 ')).toBe(stripCodecs(CHROMIUM_OFFER, 'H264,VP9'));
  });

  it('matches whole encoding names, not substrings (PCM is not PCMU)', () => {
    expect(stripCodecs(CHROMIUM_OFFER, 'PCM')).toBe(CHROMIUM_OFFER);
    expect(codecNames(stripCodecs(CHROMIUM_OFFER, 'PCMU,PCMA'), 'audio')).toEqual(['opus', 'red', 'G722', 'CN', 'telephone-event', 'telephone-event']);
  });

  it('keeps CRLF line endings, the session part, candidates and the trailing newline', () => {
    const stripped = stripCodecs(CHROMIUM_OFFER, 'VP8');
    expect(stripped.endsWith('\r\n')).toBe(true);
    expect(stripped.split('\n').every((line, index, all) => index === all.length - 1 || line.endsWith('\r'))).toBe(true);
    expect(stripped.startsWith(CHROMIUM_OFFER.slice(0, CHROMIUM_OFFER.indexOf('m=audio')))).toBe(true);
    expect(stripped.match(/a=candidate:/g)).toHaveLength(CHROMIUM_OFFER.match(/a=candidate:/g)?.length ?? -1);
  });

  it('handles LF-only SDP the same way', () => {
    const lf = CHROMIUM_OFFER.replace(/\r\n/g, '\n');
    expect(stripCodecs(lf, 'VP8')).toBe(stripCodecs(CHROMIUM_OFFER, 'VP8').replace(/\r\n/g, '\n'));
  });

  it('strips per media section: the same payload type number in another section is kept', () => {
    const sdp = ['v=0', 'm=audio 9 RTP/AVP 96', 'a=rtpmap:96 opus/48000/2', 'm=video 9 RTP/AVP 96', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');
    expect(stripCodecs(sdp, 'VP8')).toBe(['v=0', 'm=audio 9 RTP/AVP 96', 'a=rtpmap:96 opus/48000/2', 'm=video 9 RTP/AVP', ''].join('\r\n'));
  });

  it.each([
    ['an empty string', ''],
    ['text that is not SDP', 'hello\nworld'],
    ['an rtpmap without a name', 'v=0\r\nm=video 9 RTP/AVP 96\r\na=rtpmap:96\r\na=rtpmap: VP8/90000\r\n'],
    ['an fmtp with apt but no rtpmap', 'v=0\r\nm=video 9 RTP/AVP 97\r\na=fmtp:97 apt=96\r\n'],
  ])('returns %s unchanged when nothing matches instead of throwing', (_label, input) => {
    expect(stripCodecs(input, 'VP8')).toBe(input);
  });

  it('keeps a truncated m= line as is while removing the attribute lines', () => {
    expect(stripCodecs('m=video 9\r\na=rtpmap:96 VP8/90000\r\n', 'VP8')).toBe('m=video 9\r\n');
  });
});
