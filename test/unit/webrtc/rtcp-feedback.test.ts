import pino from 'pino';
import { GenericNack, PictureLossIndication, RtcpPacketConverter, RtcpPayloadSpecificFeedback, RtcpTransportLayerFeedback, type RTCRtpReceiver, type RtcpPacket } from 'werift';
import { RtcpFeedbackSender } from '../../../server/webrtc/rtcp-feedback';

const SENDER_SSRC = 0x1234;
const MEDIA_SSRC = 0xabcdef;

/** A receiver whose DTLS transport records the RTCP bytes it would send. */
function fakeReceiver(state = 'connected'): { receiver: RTCRtpReceiver; sent: RtcpPacket[] } {
  const sent: RtcpPacket[] = [];
  const dtlsTransport = {
    state,
    sendRtcp: async (packets: RtcpPacket[]) => {
      // What goes on the wire, read back as a peer would.
      sent.push(...RtcpPacketConverter.deSerialize(Buffer.concat(packets.map((p) => p.serialize()))));
      return 0;
    },
  };
  return { receiver: { rtcpSsrc: SENDER_SSRC, dtlsTransport } as unknown as RTCRtpReceiver, sent };
}

const logger = pino({ level: 'silent' });

describe('RtcpFeedbackSender', () => {
  test('a generic NACK names exactly the sequence numbers asked for, across the 16-bit wrap', async () => {
    const { receiver, sent } = fakeReceiver();
    const asked = [65530, 65534, 65535, 0, 1, 2, 40, 41];
    new RtcpFeedbackSender(receiver, () => MEDIA_SSRC, { pli: true, logger }).nack(asked);
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    const packet = sent[0] as RtcpTransportLayerFeedback;
    expect(packet).toBeInstanceOf(RtcpTransportLayerFeedback);
    const nack = packet.feedback as GenericNack;
    expect(nack).toBeInstanceOf(GenericNack);
    expect({ senderSsrc: nack.senderSsrc, mediaSourceSsrc: nack.mediaSourceSsrc }).toEqual({ senderSsrc: SENDER_SSRC, mediaSourceSsrc: MEDIA_SSRC });
    // werift's parser does not wrap PID + offset; the peer does (mod 2^16).
    expect(nack.lost.map((seq) => seq & 0xffff).sort((a, b) => a - b)).toEqual([...asked].sort((a, b) => a - b));
  });

  test('a PLI goes to the media SSRC only when the publisher takes PLI', async () => {
    const { receiver, sent } = fakeReceiver();
    new RtcpFeedbackSender(receiver, () => MEDIA_SSRC, { pli: true, logger }).pli();
    new RtcpFeedbackSender(receiver, () => MEDIA_SSRC, { pli: false, logger }).pli();
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    const feedback = (sent[0] as RtcpPayloadSpecificFeedback).feedback as PictureLossIndication;
    expect(feedback).toBeInstanceOf(PictureLossIndication);
    expect({ senderSsrc: feedback.senderSsrc, mediaSsrc: feedback.mediaSsrc }).toEqual({ senderSsrc: SENDER_SSRC, mediaSsrc: MEDIA_SSRC });
  });

  test('nothing is sent before the SSRC is known or the transport is up, and a failing send is swallowed', async () => {
    const early = fakeReceiver();
    const unknownSsrc = new RtcpFeedbackSender(early.receiver, () => undefined, { pli: true, logger });
    unknownSsrc.nack([1, 2]);
    unknownSsrc.pli();
    const down = fakeReceiver('connecting');
    new RtcpFeedbackSender(down.receiver, () => MEDIA_SSRC, { pli: true, logger }).nack([1]);
    await Promise.resolve();
    expect([early.sent, down.sent]).toEqual([[], []]);

    const failing = { rtcpSsrc: 1, dtlsTransport: { state: 'connected', sendRtcp: () => Promise.reject(new Error('socket closed')) } } as unknown as RTCRtpReceiver;
    expect(() => new RtcpFeedbackSender(failing, () => MEDIA_SSRC, { pli: true, logger }).pli()).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
  });
});
