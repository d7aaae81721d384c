import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';
import { iceGatheringDone } from '../server/webrtc/ice-gathering';
import { H264_FMTP, H264_PAYLOAD_TYPE, OPUS_PAYLOAD_TYPE } from './publisher-peer';

/** Bound on ICE gathering, ms. */
const GATHERING_TIMEOUT_MS = 5000;

/** Where one push of the baseline runs. */
export interface BaselinePushOptions {
  readonly rtmpUrl: string;
  /** UDP ports ffmpeg reads: video RTP on `videoPort` (RTCP +1), audio RTP on `audioPort` (RTCP +1). */
  readonly videoPort: number;
  readonly audioPort: number;
  /** Directory for the SDP file. */
  readonly workDir: string;
  readonly ffmpegPath: string;
  /** AAC bitrate, bit/s (the gateway's default is 128000). */
  readonly aacBitrateBps: number;
}

/**
 * One publish as the usual recipe handles it: a werift peer receives the publisher's RTP and
 * forwards every packet, re-serialized, over UDP to an ffmpeg that reads an SDP file, copies the
 * H.264, transcodes Opus to AAC and pushes FLV over RTMP. The recipe asks for one keyframe (PLI)
 * when the push starts.
 */
export class BaselineStream {
  readonly name: string;
  readonly #peer: RTCPeerConnection;
  readonly #udp = dgram.createSocket('udp4');
  #ffmpeg: ChildProcess | undefined;
  #ports: { video: number; audio: number } | undefined;

  private constructor(name: string, peer: RTCPeerConnection) {
    this.name = name;
    this.#peer = peer;
    this.#udp.on('error', () => undefined); // ffmpeg not listening yet: the packet is lost, as in the recipe
    for (const transceiver of peer.getTransceivers()) {
      const kind = transceiver.kind;
      transceiver.receiver.track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        const port = kind === 'video' ? this.#ports?.video : this.#ports?.audio;
        if (port !== undefined) this.#udp.send(rtp.serialize(), port, '127.0.0.1');
      });
    }
  }

  /** Answers a publisher's offer; `onConnected` is called once media can flow. */
  static async answer(name: string, offerSdp: string, onConnected: () => void): Promise<{ stream: BaselineStream; answerSdp: string }> {
    const peer = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: {
        video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: H264_PAYLOAD_TYPE, parameters: H264_FMTP, rtcpFeedback: [{ type: 'nack', parameter: 'pli' }] })],
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: OPUS_PAYLOAD_TYPE })],
      },
    });
    peer.connectionStateChange.subscribe((state) => {
      if (state === 'connected') onConnected();
    });
    await peer.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await peer.setLocalDescription(await peer.createAnswer());
    await iceGatheringDone(peer, GATHERING_TIMEOUT_MS);
    return { stream: new BaselineStream(name, peer), answerSdp: peer.localDescription!.sdp };
  }

  /** Starts the ffmpeg push and the forwarding to it. */
  startPush(options: BaselinePushOptions): void {
    const sdpFile = path.join(options.workDir, `${this.name}.sdp`);
    writeFileSync(sdpFile, sdpFor(options.videoPort, options.audioPort));
    this.#ffmpeg = spawn(options.ffmpegPath, [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile,
      '-map', '0:v', '-map', '0:a', '-c:v', 'copy', '-c:a', 'aac', '-b:a', String(options.aacBitrateBps), '-ar', '48000', '-ac', '2',
      '-f', 'flv', `${options.rtmpUrl}/${this.name}`,
    ], { stdio: 'ignore' });
    this.#ports = { video: options.videoPort, audio: options.audioPort };
    const video = this.#peer.getTransceivers().find((t) => t.kind === 'video')?.receiver;
    const ssrc = video?.track.ssrc;
    if (video && ssrc !== undefined) void video.sendRtcpPLI(ssrc);
  }

  /** Stops ffmpeg and the peer. */
  async close(): Promise<void> {
    this.#ports = undefined;
    this.#ffmpeg?.kill('SIGKILL');
    this.#udp.close();
    await this.#peer.close();
  }
}

/** The SDP ffmpeg reads: Opus and H.264 (packetization mode 1) as RTP on loopback. */
function sdpFor(videoPort: number, audioPort: number): string {
  return [
    'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=baseline', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${audioPort} RTP/AVP ${OPUS_PAYLOAD_TYPE}`, `a=rtpmap:${OPUS_PAYLOAD_TYPE} opus/48000/2`,
    `m=video ${videoPort} RTP/AVP ${H264_PAYLOAD_TYPE}`, `a=rtpmap:${H264_PAYLOAD_TYPE} H264/90000`, `a=fmtp:${H264_PAYLOAD_TYPE} ${H264_FMTP}`,
    '',
  ].join('\n');
}
