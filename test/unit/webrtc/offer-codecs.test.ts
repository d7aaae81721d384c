import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addBitrateHints, selectOfferCodecs, UnsupportedOfferError } from '../../../server/webrtc/offer-codecs';
import { codecsOf, parseSdp } from '../../../server/webrtc/sdp-lines';

const CHROMIUM_OFFER = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp'), 'utf8');

/** Moves the payload types of the video m-line into `order` (the rest keep their places after). */
function reorderVideo(sdp: string, order: string[]): string {
  return sdp.replace(/^m=video (\d+) (\S+) (.*)$/m, (_line, port: string, proto: string, pts: string) => {
    const rest = pts.split(' ').filter((pt) => !order.includes(pt));
    return `m=video ${port} ${proto} ${[...order, ...rest].join(' ')}`;
  });
}

/** Removes the given codecs (and their rtx) from the offer. */
function strip(sdp: string, names: string[]): string {
  const doc = parseSdp(sdp);
  const removed = new Set<string>();
  for (const section of doc.media) {
    for (const codec of codecsOf(section)) if (names.includes(codec.name.toUpperCase())) removed.add(codec.payloadType);
    for (const codec of codecsOf(section)) if (codec.name === 'rtx' && removed.has(/apt=(\d+)/.exec(codec.fmtp)?.[1] ?? '')) removed.add(codec.payloadType);
  }
  return sdp
    .split('\r\n')
    .filter((line) => !/^a=(rtpmap|fmtp|rtcp-fb):(\d+) /.test(line) || !removed.has(/:(\d+) /.exec(line)![1]!))
    .map((line) => (line.startsWith('m=') ? line.split(' ').filter((t, i) => i < 3 || !removed.has(t)).join(' ') : line))
    .join('\r\n');
}

describe('selectOfferCodecs', () => {
  test('Chromium lists VP8 first: H.264 packetization-mode 1, constrained baseline, is chosen anyway', () => {
    const selection = selectOfferCodecs(CHROMIUM_OFFER);
    expect(selection.video).toEqual({ codec: 'h264', payloadType: 108, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', nack: true, pli: true, rtxPayloadType: 109 });
    expect(selection.audio).toMatchObject({ codec: 'opus', payloadType: 111, channels: 2, stereo: false });
  });

  test('Opus is stereo only when the fmtp the answer echoes asks for it (stereo=1); Chromium\'s offer does not, so it sends mono', () => {
    const stereoOffer = CHROMIUM_OFFER.replace('a=fmtp:111 minptime=10;useinbandfec=1', 'a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1');
    expect(selectOfferCodecs(stereoOffer).audio).toMatchObject({ channels: 2, stereo: true, fmtp: 'minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1' });
    const explicitMono = CHROMIUM_OFFER.replace('a=fmtp:111 minptime=10;useinbandfec=1', 'a=fmtp:111 stereo=0;minptime=10');
    expect(selectOfferCodecs(explicitMono).audio).toMatchObject({ stereo: false });
  });

  test('whatever the order of the offer, the same H.264 payload type wins', () => {
    for (const order of [['104', '102', '108'], ['127', '125', '106'], ['96', '98', '100'], ['114', '108', '104']]) {
      expect(selectOfferCodecs(reorderVideo(CHROMIUM_OFFER, order)).video?.payloadType).toBe(108);
    }
  });

  test('the restricted offer keeps only the chosen payload types (and the video\'s RTX) and drops transport-cc everywhere', () => {
    const { restrictedOffer } = selectOfferCodecs(CHROMIUM_OFFER);
    const doc = parseSdp(restrictedOffer);
    expect(doc.media.map((m) => m.payloadTypes)).toEqual([['111'], ['108', '109']]);
    expect(restrictedOffer).toContain('a=rtpmap:109 rtx/90000\r\na=fmtp:109 apt=108\r\n');
    expect(restrictedOffer).not.toMatch(/a=fmtp:\d+ apt=(?!108)/);
    expect(restrictedOffer).toContain('a=ssrc-group:FID 1363501833 1330648107');
    expect(restrictedOffer).not.toContain('transport-cc');
    expect(restrictedOffer).not.toContain('transport-wide-cc');
    expect(restrictedOffer).not.toMatch(/a=rtpmap:96 VP8/);
    expect(restrictedOffer).toContain('a=rtcp-fb:108 nack pli');
    expect(restrictedOffer).toContain('a=ice-ufrag:');
  });

  test('without packetization-mode 1, mode 0 H.264 still passes through', () => {
    const only0 = CHROMIUM_OFFER.replace(/packetization-mode=1/g, 'packetization-mode=2');
    expect(selectOfferCodecs(only0).video).toMatchObject({ codec: 'h264', fmtp: expect.stringContaining('packetization-mode=0') });
  });

  test('a VP8-only publisher is accepted for transcoding', () => {
    expect(selectOfferCodecs(strip(CHROMIUM_OFFER, ['H264', 'AV1', 'VP9'])).video).toMatchObject({ codec: 'vp8', payloadType: 96 });
  });

  test('an offer with neither H.264 nor VP8, or without Opus, is refused with a reason', () => {
    expect(() => selectOfferCodecs(strip(CHROMIUM_OFFER, ['H264', 'VP8']))).toThrow(new UnsupportedOfferError('the offer has no H.264 or VP8 video'));
    expect(() => selectOfferCodecs(strip(CHROMIUM_OFFER, ['OPUS', 'RED']))).toThrow(/no Opus audio/);
    expect(() => selectOfferCodecs('v=0\r\ns=-\r\n')).toThrow(/neither audio nor video/);
  });

  test('bitrate hints are appended to every video fmtp of the answer but RTX\'s, and audio is untouched', () => {
    const answer = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fmtp:111 minptime=10\r\nm=video 9 UDP/TLS/RTP/SAVPF 108 109\r\na=rtpmap:108 H264/90000\r\na=fmtp:108 packetization-mode=1\r\na=rtpmap:109 rtx/90000\r\na=fmtp:109 apt=108\r\n';
    const hinted = addBitrateHints(answer, { start: 2500, min: 500, max: 4000 });
    expect(hinted).toContain('a=fmtp:108 packetization-mode=1;x-google-start-bitrate=2500;x-google-min-bitrate=500;x-google-max-bitrate=4000');
    expect(hinted).toContain('a=fmtp:109 apt=108\r\n');
    expect(hinted).toContain('a=fmtp:111 minptime=10\r\n');
  });

  describe('RTX', () => {
    test('a VP8 publisher keeps the RTX of VP8', () => {
      const vp8 = selectOfferCodecs(strip(CHROMIUM_OFFER, ['H264', 'AV1', 'VP9']));
      expect(vp8.video).toMatchObject({ codec: 'vp8', payloadType: 96, rtxPayloadType: 97 });
      expect(parseSdp(vp8.restrictedOffer).media[1]!.payloadTypes).toEqual(['96', '97']);
    });

    test('an RTX payload type numbered below its codec is kept too', () => {
      const renumbered = CHROMIUM_OFFER.replace(/^(m=video .*) 109( .*)$/m, '$1 35$2').replace('a=rtpmap:109 rtx/90000', 'a=rtpmap:35 rtx/90000').replace('a=fmtp:109 apt=108', 'a=fmtp:35 apt=108');
      expect(selectOfferCodecs(renumbered).video).toMatchObject({ payloadType: 108, rtxPayloadType: 35 });
    });

    test.each([
      ['without an FID group', (sdp: string) => sdp.replace(/a=ssrc-group:FID .*\r\n/, '')],
      ['when the SSRCs are listed RTX first', (sdp: string) => sdp.replace('a=ssrc-group:FID 1363501833 1330648107', 'a=ssrc-group:FID 1330648107 1363501833')],
      ['with a third SSRC (simulcast)', (sdp: string) => sdp.replace(/(a=ssrc:1330648107 msid:.*\r\n)/, '$1a=ssrc:42 cname:x\r\n')],
      ['when the codec has no RTX', (sdp: string) => sdp.replace('a=fmtp:109 apt=108', 'a=fmtp:109 apt=96')],
    ])('is left out %s, and the codec still negotiates without it', (_what, edit) => {
      const selection = selectOfferCodecs(edit(CHROMIUM_OFFER));
      expect(selection.video).toMatchObject({ codec: 'h264', payloadType: 108, nack: true, pli: true });
      expect(selection.video?.rtxPayloadType).toBeUndefined();
      expect(parseSdp(selection.restrictedOffer).media[1]!.payloadTypes).toEqual(['108']);
    });

    test('a codec offered without nack or pli feedback is noted so', () => {
      const noFeedback = CHROMIUM_OFFER.replace(/a=rtcp-fb:108 nack.*\r\n/g, '');
      expect(selectOfferCodecs(noFeedback).video).toMatchObject({ payloadType: 108, nack: false, pli: false });
    });
  });
});
