import pino from 'pino';
import { GenericNack, RtcpSrPacket, RtcpTransportLayerFeedback, RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import { installFastSrtp, srtpEncryptorOf } from '../../../server/webrtc/fast-srtp';
import { NTP_TO_UNIX_MS } from '../../../server/webrtc/ntp-time';
import { SenderFastPath } from '../../../server/webrtc/sender-fast-path';
import { UdpMux } from '../../../server/webrtc/udp-mux/udp-mux';
import { waitFor } from '../../support/wait-for';
import { connectMediaPair, H264_PT, type MediaPair } from './werift-media-pair';


/** werift's RTCRtpSender state that its sender reports and NACK answers read. */
interface SenderState {
  sequenceNumber: number;
  timestamp: number;
  rtpTimestamp: number;
  ntpTimestamp: bigint;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
  retransmittedPacketsSent: number;
  rtpCache: Array<RtpPacket | undefined>;
}

function stateOf(sender: RTCRtpSender): SenderState {
  return sender as unknown as SenderState;
}

/** What a send leaves in werift's sender: the counters it moved, and the packet it keeps for NACKs. */
function snapshot(sender: RTCRtpSender): { counters: Record<string, number>; last: Record<string, unknown> } {
  const { sequenceNumber, timestamp, octetCount, packetCount, headerBytesSent, rtpCache } = stateOf(sender);
  const cached = rtpCache[sequenceNumber % 128];
  const header = cached?.header;
  return {
    counters: { octetCount, packetCount, headerBytesSent },
    last: { sequenceNumber, timestamp, ssrc: header?.ssrc, payloadType: header?.payloadType, marker: header?.marker, extensions: header?.extensions, payload: cached?.payload },
  };
}

/** How much each counter moved from `from` to `to`. */
function moved(from: Record<string, number>, to: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(to).map(([name, value]) => [name, value - from[name]!]));
}

function ntpToUnixMs(ntp: bigint): number {
  return (Number(ntp >> 32n) + Number(ntp & 0xffff_ffffn) / 2 ** 32) * 1000 - NTP_TO_UNIX_MS;
}

/**
 * A werift sender with MID negotiated, as a WHEP viewer's, and a werift receiver on loopback: the
 * fast path must send what werift's own sendRtp sends (byte for byte: same keys, same IV) and
 * leave werift's sender as werift would, so that its NACK answers and sender reports work unchanged.
 */
describe('SenderFastPath', () => {
  let mux: UdpMux;
  let pair: MediaPair;
  /** The SRTP datagrams the video sender handed to its ICE connection. */
  const datagrams: Buffer[] = [];
  /** What the receiver got on the video track (retransmissions unwrapped from RTX by werift). */
  const received: Array<{ header: RtpHeader; payload: Buffer }> = [];
  const reports: RtcpSrPacket[] = [];

  beforeAll(async () => {
    // As the play service does: the fast path then encrypts with an SrtpEncryptor, werift's sendRtp with werift's code.
    installFastSrtp();
    mux = await UdpMux.bind({ address: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    pair = await connectMediaPair(mux, (peer) => {
      const video = peer.getTransceivers()[0]!.receiver;
      video.track.onReceiveRtp.subscribe(({ header, payload }) => received.push({ header, payload: Buffer.from(payload) }));
      video.onRtcp.subscribe((packet) => packet instanceof RtcpSrPacket && reports.push(packet));
    }, { mid: true });
    const connection = (pair.video.sender.dtlsTransport as unknown as { iceTransport: { connection: { send(data: Buffer): Promise<void> } } }).iceTransport.connection;
    const send = connection.send.bind(connection);
    connection.send = (data) => {
      datagrams.push(Buffer.from(data));
      return send(data);
    };
  });

  afterAll(async () => {
    await pair?.close();
    await mux?.close();
  });

  test("a packet leaves as werift's sendRtp sends it: the same SRTP datagram (SSRC, payload type, MID) and the same sender state", async () => {
    const { sender } = pair.video;
    const fast = SenderFastPath.attach(sender)!;
    expect(fast).toBeDefined();
    expect(srtpEncryptorOf((sender.dtlsTransport as unknown as { srtp: object }).srtp)).toBeDefined();
    for (const [sequenceNumber, marker] of [[100, false], [101, true]] as const) {
      const packet = new RtpPacket(new RtpHeader({ sequenceNumber, timestamp: 90_000, marker }), Buffer.from(`payload ${sequenceNumber}`));
      const before = snapshot(sender);
      datagrams.length = 0;
      await sender.sendRtp(packet);
      const byWerift = { datagram: datagrams.pop(), ...snapshot(sender) };
      fast.send(packet);
      const byFastPath = { datagram: datagrams.pop(), ...snapshot(sender) };
      expect(byWerift.datagram).toBeDefined();
      expect(byFastPath.datagram).toEqual(byWerift.datagram);
      expect(byFastPath.last).toEqual(byWerift.last);
      expect(moved(byWerift.counters, byFastPath.counters)).toEqual(moved(before.counters, byWerift.counters));
      expect(moved(before.counters, byWerift.counters)).toMatchObject({ octetCount: packet.payload.length, packetCount: 1 });
    }
    // The receiver routes by the MID the datagram carries.
    await waitFor('the packets', () => received.filter((r) => r.header.sequenceNumber === 101).length === 2, 5000, 5);
    const mid = received.at(-1)!.header.extensions.map((extension) => extension.payload.toString());
    expect(mid).toEqual([(sender as unknown as { mid: string }).mid]);
    expect(received.at(-1)!.header.payloadType).toBe(H264_PT);
  });

  test('the receiver gets every packet in order; a NACK is answered from werift\'s cache (RTX); sender reports count the packets and pair the NTP time with the last timestamp', async () => {
    const { sender } = pair.video;
    const fast = SenderFastPath.attach(sender)!;
    received.length = 0;
    const sent: number[] = [];
    const sentAt = performance.timeOrigin + performance.now();
    for (let i = 0; i < 40; i++) {
      const sequenceNumber = 2000 + i;
      // Four packets a frame, 3000 ticks apart.
      fast.send(new RtpPacket(new RtpHeader({ sequenceNumber, timestamp: 300_000 + Math.floor(i / 4) * 3000, marker: i % 4 === 3 }), Buffer.from(`packet ${sequenceNumber}`)));
      sent.push(sequenceNumber);
    }
    /** What arrived of this burst (the previous test's last packets may still be on their way). */
    const burst = () => received.filter((r) => r.header.sequenceNumber >= sent[0]! && r.header.sequenceNumber <= sent.at(-1)!);
    await waitFor('the packets', () => burst().length === sent.length, 5000, 5);
    expect(burst().map((r) => r.header.sequenceNumber)).toEqual(sent);
    expect(burst().map((r) => r.payload.toString())).toEqual(sent.map((s) => `packet ${s}`));
    expect(burst().filter((r) => r.header.marker).map((r) => r.header.sequenceNumber)).toEqual(sent.filter((_, i) => i % 4 === 3));

    const lost = sent[17]!;
    const retransmitted = stateOf(sender).retransmittedPacketsSent;
    const feedback = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: sender.ssrc, lost: [lost] });
    await pair.video.receiver.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback })]);
    await waitFor('the retransmission', () => burst().filter((r) => r.header.sequenceNumber === lost).length === 2, 5000, 5);
    expect(received.at(-1)!.payload.toString()).toBe(`packet ${lost}`);
    expect(stateOf(sender).retransmittedPacketsSent).toBe(retransmitted + 1);

    // werift reports every 0.5 to 1.5 s, from what the fast path left it.
    const lastTimestamp = 300_000 + 9 * 3000;
    expect(stateOf(sender).rtpTimestamp).toBe(lastTimestamp);
    const packetCount = stateOf(sender).packetCount;
    reports.length = 0;
    await waitFor('a sender report', () => reports.length > 0, 5000, 10);
    const { senderInfo } = reports[0]!;
    expect(senderInfo.rtpTimestamp).toBe(lastTimestamp);
    expect(senderInfo.packetCount).toBe(packetCount);
    expect(senderInfo.octetCount).toBe(stateOf(sender).octetCount);
    expect(Math.abs(ntpToUnixMs(senderInfo.ntpTimestamp) - sentAt)).toBeLessThan(100);
  });

  test('what it does not model goes to werift: a replaced source (werift rewrites sequence numbers)', async () => {
    const { sender } = pair.video;
    const fast = SenderFastPath.attach(sender)!;
    const sendRtp = jest.spyOn(sender, 'sendRtp');
    try {
      sender.replaceRTP(new RtpHeader());
      fast.send(new RtpPacket(new RtpHeader({ sequenceNumber: 7, timestamp: 7 }), Buffer.from('after replace')));
      expect(sendRtp).toHaveBeenCalledTimes(1);
      // werift continued its own numbering, one past the last packet sent.
      await waitFor('the packet', () => received.at(-1)?.payload.toString() === 'after replace', 5000, 5);
      expect(received.at(-1)!.header.sequenceNumber).toBe(2040);
      // Once werift has applied the rewrite, the fast path sends again, with werift's offsets.
      fast.send(new RtpPacket(new RtpHeader({ sequenceNumber: 8, timestamp: 8 }), Buffer.from('fast again')));
      expect(sendRtp).toHaveBeenCalledTimes(1);
      await waitFor('the next packet', () => received.at(-1)?.payload.toString() === 'fast again', 5000, 5);
      expect(received.at(-1)!.header.sequenceNumber).toBe(2041);
    } finally {
      sendRtp.mockRestore();
    }
  });
});
