import { GenericNack, MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtcpTransportLayerFeedback, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { ClipVideoFrame } from './clip-media';
import { iceGatheringDone } from '../server/webrtc/ice-gathering';
import { fmtpParameters } from '../server/webrtc/sdp-lines';
import { NackResponder } from './nack-responder';
import { publishOverWcs, type WcsPublish } from './wcs-client';

/** RTP payload type of H.264 in the bench publishers' offers (Chromium's usual number). */
export const H264_PAYLOAD_TYPE = 102;
/** RTP payload type of the H.264 retransmissions (RTX, apt=102), as Chromium numbers it. */
export const RTX_PAYLOAD_TYPE = 103;
/** RTP payload type of Opus in the bench publishers' offers. */
export const OPUS_PAYLOAD_TYPE = 111;
/** H.264 fmtp of the offers: what Chromium offers for constrained baseline, packetization mode 1. */
export const H264_FMTP = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f';
/** Bound on ICE gathering, ms (loopback only: normally a few ms). */
const GATHERING_TIMEOUT_MS = 5000;

/**
 * One synthetic WebRTC publisher: a werift peer sending H.264 and Opus to a WCS-compatible server
 * (the gateway, or the baseline). Like Chromium it offers generic NACKs and RTX for the video and
 * answers NACKs from a history of its own (NackResponder) instead of werift's: werift resends
 * from 128 packets only. It ignores PLIs: the clip has a keyframe every second, which the
 * server's keyframe policy (≤ 2 s) is content with, and a pre-encoded clip cannot make one on demand.
 */
export class PublisherPeer {
  readonly streamName: string;
  readonly #peer: RTCPeerConnection;
  readonly #video: MediaStreamTrack;
  readonly #audio: MediaStreamTrack;
  readonly #signalling: WcsPublish;
  /** Undefined when the server left RTX out of its answer: werift then answers NACKs itself. */
  readonly #nacks: NackResponder | undefined;
  #videoSequence = 0;
  #audioSequence = 0;
  /** RTP packets handed to werift so far. */
  packetsSent = 0;

  private constructor(streamName: string, peer: RTCPeerConnection, video: MediaStreamTrack, audio: MediaStreamTrack, signalling: WcsPublish, nacks: NackResponder | undefined) {
    this.streamName = streamName;
    this.#peer = peer;
    this.#video = video;
    this.#audio = audio;
    this.#signalling = signalling;
    this.#nacks = nacks;
  }

  /**
   * Negotiates a publish of `streamName` at `wsUrl`; resolves once the server says PUBLISHING.
   * `onlyAnnouncedPaths`: ICE checks are answered only from the answer's candidates (see PublishersConfig).
   */
  static async connect(wsUrl: string, streamName: string, { timeoutMs, onlyAnnouncedPaths }: { timeoutMs: number; onlyAnnouncedPaths: boolean }): Promise<PublisherPeer> {
    /** `host:port` of each candidate of the answer, once it is in. */
    const announced = new Set<string>();
    const peer = new RTCPeerConnection({
      ...(onlyAnnouncedPaths ? { iceFilterStunResponse: (_message: unknown, [host, port]: readonly [string, number]) => announced.has(`${host}:${port}`) } : {}),
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceUseIpv6: false,
      iceUseTcp: false,
      headerExtensions: { audio: [], video: [] },
      codecs: {
        video: [
          new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: H264_PAYLOAD_TYPE, parameters: H264_FMTP, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }),
          // With an RTX codec werift's offer lists the RTX SSRC in an ssrc-group FID, which the gateway needs to keep RTX.
          new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: RTX_PAYLOAD_TYPE, parameters: `apt=${H264_PAYLOAD_TYPE}` }),
        ],
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: OPUS_PAYLOAD_TYPE, parameters: 'minptime=10;useinbandfec=1' })],
      },
    });
    try {
      const video = new MediaStreamTrack({ kind: 'video' });
      const audio = new MediaStreamTrack({ kind: 'audio' });
      const videoTransceiver = peer.addTransceiver(video, { direction: 'sendonly' });
      peer.addTransceiver(audio, { direction: 'sendonly' });
      await peer.setLocalDescription(await peer.createOffer());
      await iceGatheringDone(peer, GATHERING_TIMEOUT_MS);
      const signalling = await publishOverWcs(wsUrl, streamName, peer.localDescription!.sdp, timeoutMs);
      for (const [, host, port] of signalling.answerSdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ /gim)) announced.add(`${host}:${port}`);
      try {
        await peer.setRemoteDescription({ type: 'answer', sdp: signalling.answerSdp });
        await withTimeout(signalling.publishing, timeoutMs, `${streamName} did not reach PUBLISHING`);
      } catch (err) {
        signalling.close();
        throw err;
      }
      return new PublisherPeer(streamName, peer, video, audio, signalling, answerNacks(videoTransceiver));
    } catch (err) {
      await peer.close();
      throw err;
    }
  }

  /** Sends one access unit at RTP time `rtpTimestamp` (90 kHz), with `marker` (an SEI NAL unit) before its first slice. */
  sendVideoFrame(frame: ClipVideoFrame, rtpTimestamp: number, marker: Buffer): void {
    const { payloads, markerAt } = frame;
    for (let i = 0; i <= payloads.length; i++) {
      const payload = i === markerAt ? marker : payloads[i < markerAt ? i : i - 1]!;
      const packet = new RtpPacket(new RtpHeader({ payloadType: H264_PAYLOAD_TYPE, sequenceNumber: this.#videoSequence, timestamp: rtpTimestamp, marker: i === payloads.length }), payload);
      this.#nacks?.record(packet);
      this.#write(this.#video, packet);
      this.#videoSequence = (this.#videoSequence + 1) & 0xffff;
    }
  }

  /** Video packets sent again on NACKs, and packets asked for that were no longer held (0 / 0 without RTX). */
  get retransmissions(): { sent: number; unavailable: number } {
    return { sent: this.#nacks?.retransmitted ?? 0, unavailable: this.#nacks?.unavailable ?? 0 };
  }

  /** Sends one Opus packet at RTP time `rtpTimestamp` (48 kHz). */
  sendAudioPacket(packet: Buffer, rtpTimestamp: number): void {
    this.#write(this.#audio, new RtpPacket(new RtpHeader({ payloadType: OPUS_PAYLOAD_TYPE, sequenceNumber: this.#audioSequence, timestamp: rtpTimestamp, marker: false }), packet));
    this.#audioSequence = (this.#audioSequence + 1) & 0xffff;
  }

  /** Ends the publish: signalling closed, peer closed. */
  async close(): Promise<void> {
    this.#signalling.close();
    await this.#peer.close();
  }

  #write(track: MediaStreamTrack, packet: RtpPacket): void {
    // werift sends a copy (its sender clones each packet), so the one the history holds stays as it is.
    track.writeRtp(packet);
    this.packetsSent++;
  }
}

/**
 * When the answer kept RTX for the video, takes generic NACKs away from werift's sender and
 * answers them with a NackResponder sending through the sender's transport; other RTCP (receiver
 * reports, PLIs) still goes to werift. werift keeps the sequence numbers and timestamps it is
 * given (no track was replaced), so the ones recorded are the ones NACKs name.
 */
function answerNacks(transceiver: RTCRtpTransceiver): NackResponder | undefined {
  const rtx = transceiver.codecs.find((c) => c.name.toLowerCase() === 'rtx' && fmtpParameters(c.parameters ?? '').get('apt') === String(H264_PAYLOAD_TYPE));
  if (!rtx) return undefined;
  const sender = transceiver.sender;
  const responder = new NackResponder({ payloadType: rtx.payloadType, ssrc: sender.rtxSsrc }, (packet) => {
    sender.dtlsTransport.sendRtp(packet.payload, packet.header).catch(() => undefined); // a closing transport: nothing to repair
  });
  const handleRtcp = sender.handleRtcpPacket.bind(sender);
  sender.handleRtcpPacket = (packet) => {
    if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) responder.onNack(packet.feedback.lost);
    else handleRtcp(packet);
  };
  return responder;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
