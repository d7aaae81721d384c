import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RtpHeader, RtpPacket, wrapRtx, type RTCPeerConnection, type RTCRtpReceiver } from 'werift';
import { parseSettings } from '../../../server/config/settings';
import { installFastRtpPackets } from '../../../server/webrtc/fast-rtp-packet';
import { selectOfferCodecs, type OfferSelection } from '../../../server/webrtc/offer-codecs';
import { answerOffer } from '../../../server/webrtc/receiving-peer';
import { hookReceiverRepair } from '../../../server/webrtc/receiver-repair-hooks';
import { codecsOf, parseSdp } from '../../../server/webrtc/sdp-lines';

const CHROMIUM_OFFER = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp'), 'utf8');
/** The SSRCs of the offer's `a=ssrc-group:FID <media> <rtx>`. */
const MEDIA_SSRC = 1363501833;
const RTX_SSRC = 1330648107;

/** werift's receiver internals this test looks at (private in its typings). */
interface ReceiverInternals {
  ssrcByRtx: Record<number, number>;
  nack: { _lost: Record<number, number>; addPacket(packet: RtpPacket): void; close(): void };
  handleRtpBySsrc(packet: RtpPacket, extensions: Record<string, unknown>): void;
}

const mediaPacket = (sequenceNumber: number, payloadType = 108): RtpPacket =>
  new RtpPacket(new RtpHeader({ payloadType, sequenceNumber, timestamp: 9000, ssrc: MEDIA_SSRC, marker: true }), Buffer.from([0x65, sequenceNumber & 0xff, 0xaa]));

/**
 * RTX negotiated with werift 0.25 from a real Chromium 156 offer: the answer carries Chromium's RTX
 * payload type for the chosen codec, werift maps the RTX SSRC and unwraps retransmissions, and
 * the receiver hooks see them (with the gateway's werift patches installed, as in production).
 */
describe('RTX negotiation (werift, Chromium offer)', () => {
  let selection: OfferSelection;
  let peer: RTCPeerConnection;
  let answerSdp: string;
  let receiver: RTCRtpReceiver;

  beforeAll(async () => {
    installFastRtpPackets();
    const defaults = parseSettings('', 'defaults').settings;
    selection = selectOfferCodecs(CHROMIUM_OFFER);
    ({ peer, answerSdp } = await answerOffer(selection, { kind: 'port-range', portRange: [defaults.mediaPortFrom, defaults.mediaPortTo], announcedAddresses: [] }, { start: 2500, min: 500, max: 4000 }));
    receiver = peer.getTransceivers().find((t) => t.kind === 'video')!.receiver;
  });

  afterAll(async () => {
    await peer?.close();
  });

  test('the answer accepts H.264 108 and its RTX 109 (apt=108), with NACK and PLI feedback, and no bitrate hints on RTX', () => {
    const video = parseSdp(answerSdp).media.find((m) => m.kind === 'video')!;
    expect(video.payloadTypes).toEqual(['108', '109']);
    const codecs = codecsOf(video);
    expect(codecs.map((c) => [c.payloadType, c.name, c.fmtp.split(';')[0]])).toEqual([['108', 'H264', 'level-asymmetry-allowed=1'], ['109', 'rtx', 'apt=108']]);
    expect(codecs[0]!.feedback).toEqual(expect.arrayContaining(['nack', 'nack pli']));
    expect(codecs[0]!.fmtp).toContain('x-google-start-bitrate=2500');
    expect(codecs[1]!.fmtp).toBe('apt=108');
  });

  test('werift maps the RTX SSRC of the FID group to the media SSRC', () => {
    expect((receiver as unknown as ReceiverInternals).ssrcByRtx).toEqual({ [RTX_SSRC]: MEDIA_SSRC });
    expect(receiver.track.ssrc).toBe(MEDIA_SSRC);
  });

  test('the hooks mark a retransmission werift unwraps from RTX, and only it; werift records no loss of its own', () => {
    const internals = receiver as unknown as ReceiverInternals;
    const hooks = hookReceiverRepair(receiver);
    expect(hooks).toBeDefined();
    const delivered: Array<{ seq: number; ssrc: number; pt: number; payload: string; retransmission: boolean }> = [];
    const { unSubscribe } = receiver.track.onReceiveRtp.subscribe((rtp) => {
      delivered.push({ seq: rtp.header.sequenceNumber, ssrc: rtp.header.ssrc, pt: rtp.header.payloadType, payload: rtp.payload.toString('hex'), retransmission: hooks!.deliveringRetransmission });
    });
    internals.handleRtpBySsrc(mediaPacket(1000), {});
    internals.handleRtpBySsrc(mediaPacket(1003), {}); // 1001 and 1002 missing
    const rtx = wrapRtx(mediaPacket(1001), 109, 77, RTX_SSRC);
    internals.handleRtpBySsrc(rtx, {});
    // A padding-only RTX packet (what Chromium probes with) carries no packet: werift drops it.
    internals.handleRtpBySsrc(new RtpPacket(new RtpHeader({ payloadType: 109, sequenceNumber: 78, timestamp: 9000, ssrc: RTX_SSRC, padding: true }), Buffer.alloc(0)), {});
    unSubscribe();

    expect(delivered).toEqual([
      { seq: 1000, ssrc: MEDIA_SSRC, pt: 108, payload: '65e8aa', retransmission: false },
      { seq: 1003, ssrc: MEDIA_SSRC, pt: 108, payload: '65ebaa', retransmission: false },
      { seq: 1001, ssrc: MEDIA_SSRC, pt: 108, payload: '65e9aa', retransmission: true },
    ]);
    expect(hooks!.deliveringRetransmission).toBe(false);
    expect(internals.nack._lost).toEqual({});
    // werift's own handler, had it run, would have recorded the gap (so the check above means something).
    const weriftAddPacket = (Object.getPrototypeOf(internals.nack) as ReceiverInternals['nack']).addPacket;
    for (const seq of [1006, 1009]) weriftAddPacket.call(internals.nack, mediaPacket(seq));
    expect(Object.keys(internals.nack._lost)).toEqual(['1007', '1008']);
    internals.nack.close();
  });

  test('a receiver whose internals are not werift 0.25\'s is left alone', () => {
    const unknownReceiver = { nack: {}, handleRTP: () => {}, codecs: {} } as unknown as RTCRtpReceiver;
    expect(hookReceiverRepair(unknownReceiver)).toBeUndefined();
    expect((unknownReceiver as unknown as { nack: object }).nack).toEqual({});
  });
});
