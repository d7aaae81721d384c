import { readFileSync } from 'node:fs';
import path from 'node:path';
import { offerRefusal, type OfferLimits } from '../../../server/webrtc/offer-limits';
import { sdpBomb } from '../../support/sdp-bombs';

const CHROMIUM_OFFER = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp'), 'utf8');
const LIMITS: OfferLimits = { maxBytes: 32768, maxMediaSections: 4 };

/** The Chromium offer with `edit` applied to its lines. */
function edited(edit: (lines: string[]) => string[]): string {
  return edit(CHROMIUM_OFFER.split('\r\n')).join('\r\n');
}

describe('offerRefusal', () => {
  test("a browser's audio+video offer passes", () => {
    expect(offerRefusal(CHROMIUM_OFFER, LIMITS)).toBeUndefined();
  });

  test('the 400-m-line offer of the attack fits the size bound and is refused for its sections', () => {
    const bomb = sdpBomb({ sections: 400, bundle: false });
    expect(Buffer.byteLength(bomb)).toBeLessThan(LIMITS.maxBytes);
    expect(offerRefusal(bomb, LIMITS)).toBe('the offer has 400 media sections (at most 4)');
    expect(offerRefusal(sdpBomb({ sections: 400, bundle: true }), LIMITS)).toBe('the offer has 400 media sections (at most 4)');
  });

  test('an offer over the size bound is refused', () => {
    const padded = CHROMIUM_OFFER + `a=x-padding:${'x'.repeat(40_000)}\r\n`;
    expect(offerRefusal(padded, LIMITS)).toMatch(/^the offer is 4\d{4} bytes \(at most 32768\)$/);
  });

  test('no BUNDLE group, a used section outside it, a missing or repeated mid are refused', () => {
    expect(offerRefusal(edited((l) => l.filter((line) => !line.startsWith('a=group:BUNDLE'))), LIMITS)).toBe('the offer has no BUNDLE group');
    expect(offerRefusal(edited((l) => l.map((line) => (line === 'a=group:BUNDLE 0 1' ? 'a=group:BUNDLE 0' : line))), LIMITS)).toBe("media section '1' is outside the BUNDLE group");
    expect(offerRefusal(edited((l) => l.filter((line) => line !== 'a=mid:1')), LIMITS)).toBe('a media section of the offer has no mid');
    expect(offerRefusal(edited((l) => l.map((line) => (line === 'a=mid:1' ? 'a=mid:0' : line))), LIMITS)).toBe("the offer names mid '0' twice");
  });

  test('only one audio and one video section may be used; data channels and other kinds are refused', () => {
    expect(offerRefusal(sdpBomb({ sections: 3, bundle: true }), LIMITS)).toBe('the offer has more than one audio section');
    expect(offerRefusal(CHROMIUM_OFFER + 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n', LIMITS)).toBe("the offer has a media section of kind 'application' (only audio and video)");
    expect(offerRefusal('v=0\r\ns=-\r\n', LIMITS)).toBe('the offer has no media section');
  });

  test('a rejected section (port 0) need not be bundled, but counts toward the bound', () => {
    const rejected = 'm=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=inactive\r\n';
    expect(offerRefusal(CHROMIUM_OFFER + rejected, LIMITS)).toBeUndefined();
    expect(offerRefusal(CHROMIUM_OFFER + rejected + rejected.replace('mid:2', 'mid:3') + rejected.replace('mid:2', 'mid:4'), LIMITS)).toBe('the offer has 5 media sections (at most 4)');
  });
});
