import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, useSdesMid, type RtcpPacket, type RTCRtpReceiver, type RTCRtpSender } from 'werift';
import { iceGatheringDone } from '../../../server/webrtc/ice-gathering';
import { attachPeerToMux } from '../../../server/webrtc/udp-mux/attach-peer';
import type { UdpMux } from '../../../server/webrtc/udp-mux/udp-mux';
import { gatherNothing } from '../../../server/webrtc/udp-mux/werift-internals';

export const H264_PT = 102;
export const RTX_PT = 103;
export const OPUS_PT = 111;

/** What the gateway negotiates for a Chromium-like publisher: H.264 with NACK and RTX, Opus; no header extensions unless `mid`. */
function media(mid: boolean): ConstructorParameters<typeof RTCPeerConnection>[0] {
  const extensions = mid ? [useSdesMid()] : [];
  return {
    headerExtensions: { audio: extensions, video: extensions },
    codecs: {
      video: [
        new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: H264_PT, parameters: 'packetization-mode=1;profile-level-id=42e01f', rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: RTX_PT, parameters: `apt=${H264_PT}` }),
      ],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: OPUS_PT })],
    },
  };
}

/** A werift publisher and a werift receiving peer on loopback, with what each side's media goes through. */
export interface MediaPair {
  publisher: RTCPeerConnection;
  receiver: RTCPeerConnection;
  video: { sender: RTCRtpSender; receiver: RTCRtpReceiver };
  audio: { sender: RTCRtpSender; receiver: RTCRtpReceiver };
  /** Sends one RTP packet from the publisher's transport (SRTP-protected by werift). */
  send(header: Partial<RtpHeader>, payload: Buffer): Promise<void>;
  /** Sends RTCP from the publisher's transport (SRTCP). */
  sendRtcp(packet: RtcpPacket): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects a pair, the receiving peer on `mux` as the gateway's are; `prepare` runs on it after
 * its remote description is set and before it answers (where the gateway attaches its hooks).
 * With `mid`, both negotiate the MID header extension, as the gateway's viewers do. Resolves once
 * DTLS is up both ways.
 */
export async function connectMediaPair(mux: UdpMux, prepare: (receiver: RTCPeerConnection) => void, { mid = false } = {}): Promise<MediaPair> {
  // max-bundle: one ICE transport from the start (werift never closes the one BUNDLE drops, which keeps jest alive).
  const publisher = new RTCPeerConnection({ ...media(mid), iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], bundlePolicy: 'max-bundle' });
  const videoTransceiver = publisher.addTransceiver(new MediaStreamTrack({ kind: 'video' }), { direction: 'sendonly' });
  const audioTransceiver = publisher.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendonly' });
  await publisher.setLocalDescription(await publisher.createOffer());
  await iceGatheringDone(publisher, 5000);

  const receiver = new RTCPeerConnection({ ...media(mid), ...gatherNothing() });
  await receiver.setRemoteDescription({ type: 'offer', sdp: publisher.localDescription!.sdp });
  attachPeerToMux(receiver, mux, [{ host: '127.0.0.1', port: mux.port }]);
  prepare(receiver);
  await receiver.setLocalDescription(await receiver.createAnswer());
  await iceGatheringDone(receiver, 5000);
  const connected = Promise.all([publisher, receiver].map((peer) => new Promise<void>((resolve) => {
    if (peer.connectionState === 'connected') resolve();
    peer.connectionStateChange.subscribe((state) => state === 'connected' && resolve());
  })));
  await publisher.setRemoteDescription({ type: 'answer', sdp: receiver.localDescription!.sdp });
  await connected;
  const [videoReceiver, audioReceiver] = receiver.getTransceivers().map((transceiver) => transceiver.receiver);
  const transport = videoTransceiver.sender.dtlsTransport;
  return {
    publisher,
    receiver,
    video: { sender: videoTransceiver.sender, receiver: videoReceiver! },
    audio: { sender: audioTransceiver.sender, receiver: audioReceiver! },
    send: async (header, payload) => {
      await transport.sendRtp(payload, new RtpHeader(header));
    },
    sendRtcp: async (packet) => {
      await transport.sendRtcp([packet]);
    },
    close: async () => {
      await Promise.all([publisher.close(), receiver.close()]);
    },
  };
}
