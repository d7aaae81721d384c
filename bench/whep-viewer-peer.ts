import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { iceGatheringDone } from '../server/webrtc/ice-gathering';
import { H264_FMTP, H264_PAYLOAD_TYPE, OPUS_PAYLOAD_TYPE } from './publisher-peer';
import type { WhepTally } from './whep-tally';

/** Bound on ICE gathering, ms (loopback only: normally a few ms). */
const GATHERING_TIMEOUT_MS = 5000;

/** Thrown when the WHEP endpoint refuses a viewer or answers unlike RFC 9725. */
export class WhepViewerError extends Error {
  readonly code = 'WHEP_VIEWER';
}

/**
 * One synthetic WHEP viewer: a werift peer receiving H.264 (packetization mode 1) and Opus, as
 * Chromium offers them (NACK and PLI, no RTX: nothing is lost on loopback), that only counts the
 * RTP headers into its tally: nothing is depacketized or decoded, so a viewer costs the load
 * generator little more than SRTP decryption.
 */
export class WhepViewerPeer {
  /** The viewer's resource (absolute), which DELETE ends. */
  readonly resourceUrl: string;
  readonly #peer: RTCPeerConnection;
  readonly #requestTimeoutMs: number;

  private constructor(resourceUrl: string, peer: RTCPeerConnection, requestTimeoutMs: number) {
    this.resourceUrl = resourceUrl;
    this.#peer = peer;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** POSTs a recvonly audio + video offer to `endpointUrl` (…/whep/<name>) and applies the answer; what arrives goes to `tally`. */
  static async play(endpointUrl: string, tally: WhepTally, requestTimeoutMs: number): Promise<WhepViewerPeer> {
    const peer = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceUseIpv6: false,
      iceUseTcp: false,
      // One transport for both kinds: without it werift keeps the socket of the transport the answer bundles away open.
      bundlePolicy: 'max-bundle',
      codecs: {
        video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: H264_PAYLOAD_TYPE, parameters: H264_FMTP, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })],
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: OPUS_PAYLOAD_TYPE, parameters: 'minptime=10;useinbandfec=1' })],
      },
    });
    try {
      peer.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe(({ header }) => {
          if (track.kind === 'video') tally.onVideo(header.sequenceNumber, header.timestamp, header.marker);
          else tally.onAudio(header.sequenceNumber);
        });
      });
      peer.addTransceiver('video', { direction: 'recvonly' });
      peer.addTransceiver('audio', { direction: 'recvonly' });
      await peer.setLocalDescription(await peer.createOffer());
      await iceGatheringDone(peer, GATHERING_TIMEOUT_MS);
      const response = await fetch(endpointUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: peer.localDescription!.sdp,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const body = await response.text();
      const location = response.headers.get('location');
      if (response.status !== 201 || location === null) throw new WhepViewerError(`POST ${endpointUrl} → ${response.status} ${body.slice(0, 300)}`);
      const viewer = new WhepViewerPeer(new URL(location, endpointUrl).href, peer, requestTimeoutMs);
      try {
        await peer.setRemoteDescription({ type: 'answer', sdp: body });
      } catch (err) {
        await viewer.#delete().catch(() => undefined); // the answer's error is the one to report
        throw err;
      }
      return viewer;
    } catch (err) {
      await peer.close();
      throw err;
    }
  }

  /** Ends the viewer: DELETE on its resource, then its peer closed (even if the DELETE failed). */
  async end(): Promise<void> {
    try {
      await this.#delete();
    } finally {
      await this.#peer.close();
    }
  }

  async #delete(): Promise<void> {
    const response = await fetch(this.resourceUrl, { method: 'DELETE', signal: AbortSignal.timeout(this.#requestTimeoutMs) });
    await response.arrayBuffer();
    if (!response.ok) throw new WhepViewerError(`DELETE ${this.resourceUrl} → ${response.status}`);
  }
}
