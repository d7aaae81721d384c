import { RTCPeerConnection, RTCRtpCodecParameters, type RTCRtpCodecParameters as CodecParameters } from 'werift';
import { iceGatheringDone } from './ice-gathering';
import { addBitrateHints, type OfferSelection, type PublishBitrates } from './offer-codecs';
import { attachPeerNetwork, peerIceConfig, type PeerNetworkOptions } from './peer-network';

export type { PeerNetworkOptions } from './peer-network';

/** How long ICE gathering may take before the answer goes out with what it has, ms. */
const GATHERING_TIMEOUT_MS = 3000;

const RECEIVER_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }];

/**
 * Creates a receive-only werift peer for an offer already restricted to the chosen codecs, and
 * answers it non-trickle (WCS clients never trickle): the answer is returned once gathering has
 * completed, with the server's candidates inside.
 */
export async function answerOffer(
  selection: OfferSelection,
  network: PeerNetworkOptions,
  bitrates: PublishBitrates,
): Promise<{ peer: RTCPeerConnection; answerSdp: string }> {
  const peer = new RTCPeerConnection({
    ...peerIceConfig(network),
    headerExtensions: { audio: [], video: [] },
    codecs: { video: videoCodecs(selection), audio: audioCodecs(selection) },
  });
  try {
    await peer.setRemoteDescription({ type: 'offer', sdp: selection.restrictedOffer });
    attachPeerNetwork(peer, network);
    await peer.setLocalDescription(await peer.createAnswer());
    await iceGatheringDone(peer, GATHERING_TIMEOUT_MS);
    const sdp = peer.localDescription?.sdp;
    if (!sdp) throw new Error('werift produced no local description');
    return { peer, answerSdp: selection.video ? addBitrateHints(sdp, bitrates) : sdp };
  } catch (err) {
    await peer.close();
    throw err;
  }
}

/** The chosen video codec, then its RTX (werift pairs them by `apt`, the media codec listed first). */
function videoCodecs(selection: OfferSelection): CodecParameters[] {
  const video = selection.video;
  if (!video) return [];
  const h264 = video.codec === 'h264';
  const codecs = [
    new RTCRtpCodecParameters({
      mimeType: h264 ? 'video/H264' : 'video/VP8',
      clockRate: 90000,
      payloadType: video.payloadType,
      rtcpFeedback: RECEIVER_FEEDBACK,
      ...(h264 ? { parameters: video.fmtp } : {}),
    }),
  ];
  if (video.rtxPayloadType !== undefined) {
    codecs.push(new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: video.rtxPayloadType, parameters: `apt=${video.payloadType}` }));
  }
  return codecs;
}

function audioCodecs(selection: OfferSelection): CodecParameters[] {
  if (!selection.audio) return [];
  return [
    new RTCRtpCodecParameters({
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: selection.audio.channels,
      payloadType: selection.audio.payloadType,
      parameters: selection.audio.fmtp,
    }),
  ];
}
