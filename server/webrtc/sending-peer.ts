import { RTCPeerConnection, RTCRtpCodecParameters, useSdesMid, type RTCRtpSender } from 'werift';
import type { LimitReporter } from '../metrics/limits';
import { PlayRejectedError } from '../signalling/play-service';
import { iceGatheringDone } from './ice-gathering';
import { h264Rank } from './offer-codecs';
import { offerRefusal, type OfferLimits } from './offer-limits';
import { attachPeerNetwork, peerIceConfig, type PeerNetworkOptions } from './peer-network';
import { codecsOf, parseSdp, writeSdp, type OfferedCodec, type SdpMediaSection } from './sdp-lines';

/** How long ICE gathering may take before the answer goes out with what it has, ms. */
const GATHERING_TIMEOUT_MS = 3000;

/**
 * Feedback the gateway acts on as a sender: NACKs (werift retransmits from its cache) and PLIs.
 * werift answers with the offer's feedback lines, so the others (FIR, REMB, transport-cc) are
 * taken out of the offer: the browser then asks for keyframes by PLI alone.
 */
const SENDER_FEEDBACK = new Set(['nack', 'nack pli']);

/** What answering a viewer needs. */
export interface SendingPeerOptions {
  readonly network: PeerNetworkOptions;
  /** Offers beyond these are refused before werift sees them. */
  readonly offer: OfferLimits;
  /** Told of every offer refused for its size or shape (`webrtc_offer`). */
  readonly limits: LimitReporter;
}

/** A codec the viewer receives, as its offer wrote it. */
interface ChosenCodec {
  readonly mid: string;
  readonly codec: OfferedCodec;
}

/** A send-only peer answering a viewer's offer. */
export interface SendingPeer {
  readonly peer: RTCPeerConnection;
  /** The answer, with the gateway's candidates (non-trickle). */
  readonly answerSdp: string;
  /** Sends H.264 (packetization-mode 1 payloads) when the viewer takes video. */
  readonly video: RTCRtpSender | undefined;
  /** Sends Opus when the viewer takes audio. */
  readonly audio: RTCRtpSender | undefined;
}

/**
 * Answers a viewer's offer with a werift peer that sends H.264 and Opus, non-trickle like the
 * publish side: the answer is returned once gathering has completed. Refuses with
 * PlayRejectedError('bad-offer') an offer out of bounds, one without H.264 video or Opus audio to
 * receive, and one werift cannot read.
 */
export async function answerViewer(offerSdp: string, options: SendingPeerOptions): Promise<SendingPeer> {
  const refusal = offerRefusal(offerSdp, options.offer);
  if (refusal !== undefined) {
    options.limits.reached('webrtc_offer');
    throw new PlayRejectedError('bad-offer', `Invalid SDP offer: ${refusal}`);
  }
  const doc = parseSdp(offerSdp);
  const video = choose(doc.media, 'video', videoRank);
  const audio = choose(doc.media, 'audio', (codec) => (codec.name.toLowerCase() === 'opus' && codec.clockRate === 48000 ? 0 : undefined));
  if (!video && !audio) throw new PlayRejectedError('bad-offer', 'The offer receives neither H.264 video nor Opus audio');
  for (const section of doc.media) {
    const chosen = [video, audio].find((c) => c !== undefined && midOf(section) === c.mid);
    if (chosen) keepOnly(section, chosen.codec.payloadType);
  }

  const peer = new RTCPeerConnection({
    ...peerIceConfig(options.network),
    // MID lets the browser sort the two BUNDLEd streams before it has seen their SSRCs.
    headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
    // A kind without a codec here is rejected in the answer (port 0).
    codecs: { video: video ? [codecParameters('video/H264', 90000, video.codec)] : [], audio: audio ? [codecParameters('audio/opus', 48000, audio.codec)] : [] },
  });
  try {
    try {
      await peer.setRemoteDescription({ type: 'offer', sdp: writeSdp(doc) });
    } catch (err) {
      throw new PlayRejectedError('bad-offer', `Invalid SDP offer: ${err instanceof Error ? err.message : String(err)}`);
    }
    attachPeerNetwork(peer, options.network);
    const senders = { video: sendingTo(peer, video), audio: sendingTo(peer, audio) };
    await peer.setLocalDescription(await peer.createAnswer());
    await iceGatheringDone(peer, GATHERING_TIMEOUT_MS);
    const answerSdp = peer.localDescription?.sdp;
    if (!answerSdp) throw new Error('werift produced no local description');
    return { peer, answerSdp, ...senders };
  } catch (err) {
    await peer.close();
    throw err;
  }
}

/** Ranks H.264 codecs for a viewer, as for a publisher (FU-A is sent even in mode 0: browsers depacketize it whatever the mode). */
function videoRank(codec: OfferedCodec): number | undefined {
  return codec.name.toUpperCase() === 'H264' && codec.clockRate === 90000 ? h264Rank(codec) : undefined;
}

/** The best codec of the section of `kind` the viewer receives (recvonly or sendrecv), if any. */
function choose(sections: readonly SdpMediaSection[], kind: 'video' | 'audio', rank: (codec: OfferedCodec) => number | undefined): ChosenCodec | undefined {
  const section = sections.find((s) => s.kind === kind && s.port !== '0' && receives(s));
  if (!section) return undefined;
  let best: { codec: OfferedCodec; rank: number } | undefined;
  for (const codec of codecsOf(section)) {
    const r = rank(codec);
    if (r !== undefined && (!best || r < best.rank)) best = { codec, rank: r };
  }
  return best && { mid: midOf(section) ?? '', codec: best.codec };
}

/** Whether the viewer wants to receive on this section (no direction attribute means sendrecv). */
function receives(section: SdpMediaSection): boolean {
  return !section.lines.some((line) => line === 'a=sendonly' || line === 'a=inactive');
}

function midOf(section: SdpMediaSection): string | undefined {
  return section.lines.find((line) => line.startsWith('a=mid:'))?.slice('a=mid:'.length);
}

/**
 * Removes every payload type but `payloadType` from a section, so werift answers that one, the
 * feedback the gateway ignores, and the viewer's SSRCs: werift would register a receiver under
 * them, and route the viewer's PLIs (whose sender SSRC is that one) to it instead of the sender.
 */
function keepOnly(section: SdpMediaSection, payloadType: string): void {
  section.payloadTypes = [payloadType];
  const feedbackPrefix = `a=rtcp-fb:${payloadType} `;
  section.lines = section.lines.filter((line) => {
    if (line.startsWith('a=ssrc:') || line.startsWith('a=ssrc-group:')) return false;
    if (line.startsWith(feedbackPrefix)) return SENDER_FEEDBACK.has(line.slice(feedbackPrefix.length));
    const match = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ ]/.exec(line);
    return !match || match[1] === payloadType;
  });
}

/** werift's codec for the chosen one, its payload type and fmtp echoed so werift's compatibility check agrees. */
function codecParameters(mimeType: string, clockRate: number, codec: OfferedCodec): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType,
    clockRate,
    payloadType: Number(codec.payloadType),
    ...(codec.channels !== undefined ? { channels: codec.channels } : {}),
    ...(codec.fmtp !== '' ? { parameters: codec.fmtp } : {}),
  });
}

/** Turns the transceiver of the chosen section into a sender; its RTCRtpSender. */
function sendingTo(peer: RTCPeerConnection, chosen: ChosenCodec | undefined): RTCRtpSender | undefined {
  if (!chosen) return undefined;
  const transceiver = peer.getTransceivers().find((t) => t.mid === chosen.mid);
  if (!transceiver) throw new Error(`werift made no transceiver for mid ${chosen.mid}`);
  // werift makes the offer's transceivers receive-only; sendonly & the offer's recvonly answers sendonly.
  transceiver.setDirection('sendonly');
  return transceiver.sender;
}
