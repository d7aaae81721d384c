import pino from 'pino';
import { GenericNack, RtcpTransportLayerFeedback, RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import { SenderHistory } from '../../../server/webrtc/sender-history';
import { UdpMux } from '../../../server/webrtc/udp-mux/udp-mux';
import { waitFor } from '../../support/wait-for';
import { connectMediaPair, H264_PT, RTX_PT, type MediaPair } from './werift-media-pair';

/** More than werift's own 128-packet memory. */
const BURST = 300;

/** werift's counters of an RTCRtpSender. */
function counters(sender: RTCRtpSender): { nacks: number; retransmitted: number } {
  const { nackCount, retransmittedPacketsSent } = sender as unknown as { nackCount: number; retransmittedPacketsSent: number };
  return { nacks: nackCount, retransmitted: retransmittedPacketsSent };
}

/**
 * A werift sender (the role of the gateway's sender to a WHEP viewer) and a werift receiver on
 * loopback, with NACK and RTX negotiated: the receiver NACKs packets sent a burst ago, more than
 * the 128 werift keeps.
 */
describe('SenderHistory', () => {
  let mux: UdpMux;
  let pair: MediaPair;
  /** Payloads the receiver got, by sequence number (retransmissions unwrapped from RTX by werift). */
  const received = new Map<number, Buffer[]>();
  let nextSequence = 1000;

  beforeAll(async () => {
    mux = await UdpMux.bind({ address: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    pair = await connectMediaPair(mux, (peer) => {
      const video = peer.getTransceivers()[0]!.receiver;
      video.track.onReceiveRtp.subscribe(({ header, payload }) => {
        const copies = received.get(header.sequenceNumber) ?? [];
        copies.push(Buffer.from(payload));
        received.set(header.sequenceNumber, copies);
      });
    });
  });

  afterAll(async () => {
    await pair?.close();
    await mux?.close();
  });

  /** Sends a burst through the sender (history.remember() after each, when given); its sequence numbers. */
  async function sendBurst(history?: SenderHistory): Promise<number[]> {
    const sent: number[] = [];
    for (let i = 0; i < BURST; i++) {
      const sequenceNumber = nextSequence++ & 0xffff;
      void pair.video.sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber, timestamp: sequenceNumber * 3000, payloadType: H264_PT, marker: true }), Buffer.from(`packet ${sequenceNumber}`)));
      history?.remember();
      sent.push(sequenceNumber);
    }
    await waitFor('the burst to arrive', () => sent.every((sequence) => received.has(sequence)), 10_000, 10);
    return sent;
  }

  async function nack(lost: number[]): Promise<void> {
    const nacksBefore = counters(pair.video.sender).nacks;
    const feedback = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: pair.video.sender.ssrc, lost });
    await pair.video.receiver.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback })]);
    await waitFor('the sender to read the NACK', () => counters(pair.video.sender).nacks > nacksBefore, 5000, 5);
  }

  test('werift alone cannot answer a NACK for a packet a burst old; with the history it retransmits it (RTX), and its own answers are unchanged', async () => {
    // werift alone: the packet is gone.
    const first = await sendBurst();
    await nack([first[10]!]);
    expect(counters(pair.video.sender).retransmitted).toBe(0);

    const history = SenderHistory.attach(pair.video.sender)!;
    expect(history).toBeDefined();
    // werift retransmits as RTX, which the receiver unwraps to the packet's own sequence number.
    expect((pair.video.sender as unknown as { rtxPayloadType?: number }).rtxPayloadType).toBe(RTX_PT);
    const second = await sendBurst(history);
    const old = second[10]!;
    await nack([old]);
    await waitFor('the retransmission', () => received.get(old)!.length === 2, 5000, 5);
    expect(received.get(old)![1]).toEqual(Buffer.from(`packet ${old}`));
    expect(history.restored).toBe(1);
    expect(counters(pair.video.sender).retransmitted).toBe(1);
    expect({ nacked: history.nacked, retransmitted: history.retransmitted }).toEqual({ nacked: 1, retransmitted: 1 });

    // A packet werift still has is werift's to answer; one from before the history is not invented.
    const recent = second[BURST - 5]!;
    await nack([recent, first[20]!]);
    await waitFor('the recent retransmission', () => received.get(recent)!.length === 2, 5000, 5);
    expect(history.restored).toBe(1);
    expect(counters(pair.video.sender).retransmitted).toBe(2);
    expect(received.get(first[20]!)).toHaveLength(1);
    // What the viewer's last log line reports: asked for 3, resent 2, 1 of them from the history.
    expect({ nacked: history.nacked, retransmitted: history.retransmitted, restored: history.restored }).toEqual({ nacked: 3, retransmitted: 2, restored: 1 });
  });
});
