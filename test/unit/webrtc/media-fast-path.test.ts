import pino from 'pino';
import { RtcpSenderInfo, RtcpSrPacket, type RTCPeerConnection } from 'werift';
import { installFastRtpPackets } from '../../../server/webrtc/fast-rtp-packet';
import { installFastSrtp } from '../../../server/webrtc/fast-srtp';
import { MediaFastPath } from '../../../server/webrtc/media-fast-path';
import type { ReceivedRtp } from '../../../server/webrtc/received-rtp';
import { hookReceiverRepair } from '../../../server/webrtc/receiver-repair-hooks';
import { UdpMux } from '../../../server/webrtc/udp-mux/udp-mux';
import { connectMediaPair, H264_PT, OPUS_PT, RTX_PT, type MediaPair } from './werift-media-pair';

/** One packet as a sink saw it, and which path delivered it. */
interface Seen {
  path: 'fast' | 'werift';
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  retransmission: boolean;
}

const logger = pino({ level: 'silent' });

function record(into: Seen[], path: Seen['path']): (rtp: ReceivedRtp, retransmission: boolean) => void {
  return ({ header, payload }, retransmission) => {
    into.push({ path, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker, payload: Buffer.from(payload), retransmission });
  };
}

/** The receiving peer's ICE connection data event, where SRTP comes in. */
function iceData(peer: RTCPeerConnection): { execute: (data: Buffer) => void } {
  const transport = peer.getTransceivers()[0]!.receiver.dtlsTransport as unknown as { iceTransport: { connection: { onData: { execute: (data: Buffer) => void } } } };
  return transport.iceTransport.connection.onData;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('MediaFastPath', () => {
  let mux: UdpMux;
  let pair: MediaPair;
  let fastPath: MediaFastPath | undefined;
  const video: Seen[] = [];
  const audio: Seen[] = [];

  beforeAll(async () => {
    installFastSrtp();
    installFastRtpPackets();
    mux = await UdpMux.bind({ address: '127.0.0.1', port: 0, logger });
    pair = await connectMediaPair(mux, (peer) => {
      fastPath = MediaFastPath.attach(peer, logger);
      const [videoReceiver, audioReceiver] = peer.getTransceivers().map((transceiver) => transceiver.receiver);
      const hooks = hookReceiverRepair(videoReceiver!)!;
      videoReceiver!.track.onReceiveRtp.subscribe((rtp) => record(video, 'werift')(rtp, hooks.deliveringRetransmission));
      audioReceiver!.track.onReceiveRtp.subscribe((rtp) => record(audio, 'werift')(rtp, false));
      fastPath?.deliver(videoReceiver!, record(video, 'fast'));
      fastPath?.deliver(audioReceiver!, record(audio, 'fast'));
    });
  });

  afterAll(async () => {
    await pair.close();
    await mux.close();
  });

  test('after an SSRC\'s first packet (werift\'s, which starts its statistics), media goes to the sink with the header and payload sent; werift\'s statistics and track state follow', async () => {
    expect(fastPath).toBeDefined();
    const sent: Array<{ sequenceNumber: number; timestamp: number; marker: boolean; payload: Buffer }> = [];
    for (let i = 0; i < 40; i++) {
      const packet = { sequenceNumber: (65520 + i) & 0xffff, timestamp: 3000 * Math.floor(i / 4), marker: i % 4 === 3, payload: Buffer.alloc(100 + i * 25, i) };
      sent.push(packet);
      await pair.send({ ...packet, payloadType: H264_PT, ssrc: pair.video.sender.ssrc }, packet.payload);
    }
    await pair.send({ sequenceNumber: 7, timestamp: 960, payloadType: OPUS_PT, ssrc: pair.audio.sender.ssrc }, Buffer.from([0xfc, 1, 2]));
    await pair.send({ sequenceNumber: 8, timestamp: 1920, payloadType: OPUS_PT, ssrc: pair.audio.sender.ssrc }, Buffer.from([0xfc, 3, 4]));
    await until(() => video.length === 40 && audio.length === 2);

    expect(video.map(({ path }) => path)).toEqual(['werift', ...Array<string>(39).fill('fast')]);
    expect(video.map(({ sequenceNumber, timestamp, marker, payload }) => ({ sequenceNumber, timestamp, marker, payload }))).toEqual(sent);
    expect(video.every(({ retransmission }) => !retransmission)).toBe(true);
    expect(audio).toEqual([
      { path: 'werift', sequenceNumber: 7, timestamp: 960, marker: false, payload: Buffer.from([0xfc, 1, 2]), retransmission: false },
      { path: 'fast', sequenceNumber: 8, timestamp: 1920, marker: false, payload: Buffer.from([0xfc, 3, 4]), retransmission: false },
    ]);
    // werift's receiver reports are built from these statistics.
    const stats = (pair.video.receiver as unknown as { remoteStreams: Record<number, { packets_received: number; max_seq: number; cycles: number }> }).remoteStreams[pair.video.sender.ssrc]!;
    expect(stats).toMatchObject({ packets_received: 40, max_seq: 23, cycles: 0x10000 });
    expect(pair.video.receiver.track.muted).toBe(false);
  });

  test('RTX is unwrapped: the original sequence number and payload, marked as a retransmission', async () => {
    const rtx = { payloadType: RTX_PT, ssrc: pair.video.sender.rtxSsrc, timestamp: 3000 };
    const original = (sequenceNumber: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([sequenceNumber >> 8, sequenceNumber & 0xff]), payload]);
    video.length = 0;
    await pair.send({ ...rtx, sequenceNumber: 500 }, original(65530, Buffer.from('first')));
    await pair.send({ ...rtx, sequenceNumber: 501, marker: true }, original(2, Buffer.from('second')));
    await until(() => video.length === 2);
    expect(video).toEqual([
      { path: 'werift', sequenceNumber: 65530, timestamp: 3000, marker: false, payload: Buffer.from('first'), retransmission: true },
      { path: 'fast', sequenceNumber: 2, timestamp: 3000, marker: true, payload: Buffer.from('second'), retransmission: true },
    ]);
  });

  test('RTP padding is removed', async () => {
    video.length = 0;
    // The padding (RFC 3550 5.1): its last byte counts the padding bytes, itself included.
    const padded = Buffer.concat([Buffer.from('padded'), Buffer.from([0, 0, 0, 0, 0, 0, 7])]);
    await pair.send({ sequenceNumber: 30, timestamp: 9000, payloadType: H264_PT, ssrc: pair.video.sender.ssrc, padding: true }, padded);
    await until(() => video.length === 1);
    expect(video[0]).toMatchObject({ path: 'fast', sequenceNumber: 30, payload: Buffer.from('padded') });
  });

  test('what fails SRTP, is cut short, is not RTP or has an unknown payload type reaches no sink and throws nothing', async () => {
    const data = iceData(pair.receiver);
    video.length = 0;
    const tampered = Buffer.alloc(200, 0x55);
    tampered.writeUInt8(0x80, 0);
    tampered.writeUInt8(H264_PT, 1);
    tampered.writeUInt32BE(pair.video.sender.ssrc, 8);
    for (const datagram of [tampered, tampered.subarray(0, 20), tampered.subarray(0, 5), Buffer.from([0x90]), Buffer.alloc(0)]) expect(() => data.execute(datagram)).not.toThrow();
    await pair.send({ sequenceNumber: 31, timestamp: 9000, payloadType: 99, ssrc: pair.video.sender.ssrc }, Buffer.from('unknown type'));
    await pair.send({ sequenceNumber: 32, timestamp: 9000, payloadType: H264_PT, ssrc: pair.video.sender.ssrc }, Buffer.from('after'));
    await until(() => video.length === 1);
    expect(video[0]).toMatchObject({ path: 'fast', sequenceNumber: 32, payload: Buffer.from('after') });
  });

  test('RTP the fast path takes skips werift\'s ICE data events and is counted on the selected pair; SRTCP still fires them', async () => {
    const connection = (pair.receiver.getTransceivers()[0]!.receiver.dtlsTransport as unknown as { iceTransport: { connection: { onData: { subscribe: (f: (data: Buffer) => void) => { unSubscribe: () => void } }; nominated: { packetsReceived: number; bytesReceived: number } } } }).iceTransport.connection;
    const fired: Buffer[] = [];
    const { unSubscribe } = connection.onData.subscribe((data) => fired.push(data));
    const before = { packets: connection.nominated.packetsReceived, bytes: connection.nominated.bytesReceived };
    video.length = 0;
    await pair.send({ sequenceNumber: 40, timestamp: 12000, payloadType: H264_PT, ssrc: pair.video.sender.ssrc }, Buffer.alloc(300, 1));
    await pair.send({ sequenceNumber: 41, timestamp: 12000, payloadType: H264_PT, ssrc: pair.video.sender.ssrc, marker: true }, Buffer.alloc(300, 2));
    await until(() => video.length === 2);
    expect(video.map(({ path }) => path)).toEqual(['fast', 'fast']);
    expect(connection.nominated.packetsReceived - before.packets).toBe(2);
    expect(connection.nominated.bytesReceived - before.bytes).toBeGreaterThan(600);
    expect(fired).toHaveLength(0);
    await pair.sendRtcp(new RtcpSrPacket({ ssrc: pair.video.sender.ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 2n << 32n, rtpTimestamp: 12000, packetCount: 2, octetCount: 600 }) }));
    await until(() => fired.length > 0);
    unSubscribe();
  });

  test('SRTCP still takes werift\'s path: the publisher\'s sender reports reach the track', async () => {
    const reports: unknown[] = [];
    pair.video.receiver.track.onReceiveRtcp.subscribe((rtcp) => reports.push(rtcp));
    await pair.sendRtcp(new RtcpSrPacket({ ssrc: pair.video.sender.ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 1n << 32n, rtpTimestamp: 9000, packetCount: 1, octetCount: 10 }) }));
    await until(() => reports.length > 0);
    expect(reports[0]).toMatchObject({ type: RtcpSrPacket.type, senderInfo: { rtpTimestamp: 9000 } });
  });

  test('attach refuses a peer whose SRTP has started', () => {
    expect(MediaFastPath.attach(pair.receiver, logger)).toBeUndefined();
  });
});
