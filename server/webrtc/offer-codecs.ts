import { codecsOf, fmtpParameters, parseSdp, writeSdp, type OfferedCodec, type SdpMediaSection } from './sdp-lines';

/** The video codec the gateway takes from a publisher: H.264 passes through, VP8 is transcoded. */
export interface ChosenVideoCodec {
  codec: 'h264' | 'vp8';
  payloadType: number;
  /** The offered fmtp, echoed to werift so its own compatibility check agrees. */
  fmtp: string;
  /** The publisher takes generic NACKs (`a=rtcp-fb:<pt> nack`). */
  nack: boolean;
  /** The publisher takes Picture Loss Indications (`a=rtcp-fb:<pt> nack pli`). */
  pli: boolean;
  /** Payload type of the RTX stream that carries its retransmissions (RFC 4588), when negotiated. */
  rtxPayloadType?: number;
}

/** The audio codec the gateway takes from a publisher (always Opus). */
export interface ChosenAudioCodec {
  codec: 'opus';
  payloadType: number;
  fmtp: string;
  /** Channels of the rtpmap (always 2 for Opus, RFC 7587), echoed to werift. */
  channels: number;
  /**
   * The answer asks for stereo (`stereo=1` in the fmtp it echoes from the offer). Without it a
   * browser sends mono: Chromium does unless the page asks for stereo in its SDP.
   */
  stereo: boolean;
}

/** The outcome of reading an offer: the codecs to receive and the offer restricted to them. */
export interface OfferSelection {
  video?: ChosenVideoCodec;
  audio?: ChosenAudioCodec;
  /** The offer with only the chosen payload types (and the video's RTX) and without transport-cc. */
  restrictedOffer: string;
}

/** The offer has a media section the gateway cannot receive. */
export class UnsupportedOfferError extends Error {
  readonly code = 'UNSUPPORTED_OFFER';
}

const TRANSPORT_CC_EXTENSION = 'transport-wide-cc';

/**
 * Picks what to receive from a browser's offer, whatever the offer's codec order:
 * H.264 with packetization-mode 1 (constrained baseline first), then H.264 mode 0, then VP8; Opus for audio.
 *
 * werift answers with the first codec of the offer that matches its configuration, and Chromium lists
 * VP8 first, so the offer handed to werift keeps only the chosen payload type, and beside the video
 * codec its RTX payload type (`apt=`), so that retransmissions come on their own SSRC, which werift
 * unwraps (see `rtxPayloadTypeFor`). transport-cc is removed too: werift's transport-wide feedback
 * collapses Chromium's bandwidth estimate (field notes).
 */
export function selectOfferCodecs(offerSdp: string): OfferSelection {
  const doc = parseSdp(offerSdp);
  const selection: Omit<OfferSelection, 'restrictedOffer'> = {};
  for (const section of doc.media) {
    if (section.port === '0') continue;
    if (section.kind === 'video') {
      const codecs = codecsOf(section);
      const chosen = chooseVideo(codecs);
      if (!chosen) throw new UnsupportedOfferError('the offer has no H.264 or VP8 video');
      const rtx = rtxPayloadTypeFor(section, codecs, chosen.payloadType);
      selection.video = {
        codec: chosen.name.toUpperCase() === 'VP8' ? 'vp8' : 'h264',
        payloadType: Number(chosen.payloadType),
        fmtp: chosen.fmtp,
        nack: chosen.feedback.includes('nack'),
        pli: chosen.feedback.includes('nack pli'),
        ...(rtx === undefined ? {} : { rtxPayloadType: Number(rtx) }),
      };
      keepOnly(section, rtx === undefined ? [chosen.payloadType] : [chosen.payloadType, rtx]);
    } else if (section.kind === 'audio') {
      const opus = codecsOf(section).find((c) => c.name.toLowerCase() === 'opus' && c.clockRate === 48000);
      if (!opus) throw new UnsupportedOfferError('the offer has no Opus audio');
      selection.audio = { codec: 'opus', payloadType: Number(opus.payloadType), fmtp: opus.fmtp, channels: opus.channels ?? 2, stereo: fmtpParameters(opus.fmtp).get('stereo') === '1' };
      keepOnly(section, [opus.payloadType]);
    }
  }
  if (!selection.video && !selection.audio) throw new UnsupportedOfferError('the offer has neither audio nor video');
  return { ...selection, restrictedOffer: writeSdp(doc) };
}

/** Ranks the offered video codecs; lower is better, undefined is unusable. */
function videoRank(codec: OfferedCodec): number | undefined {
  const name = codec.name.toUpperCase();
  if (name === 'VP8') return 100;
  return name === 'H264' ? h264Rank(codec) : undefined;
}

/**
 * Ranks an H.264 codec, lower first; undefined when unusable. packetization-mode 1 before 0 (used
 * only as a last resort); constrained baseline first: it plays everywhere RTMP and browsers go.
 */
export function h264Rank(codec: OfferedCodec): number | undefined {
  const params = fmtpParameters(codec.fmtp);
  const mode = params.get('packetization-mode') ?? '0';
  if (mode !== '0' && mode !== '1') return undefined;
  const profile = (params.get('profile-level-id') ?? '42e01f').slice(0, 4).toLowerCase();
  const profileRank = profile === '42e0' ? 0 : profile === '4200' ? 1 : profile.startsWith('4d') ? 2 : 3;
  return (mode === '1' ? 0 : 10) + profileRank;
}

function chooseVideo(codecs: OfferedCodec[]): OfferedCodec | undefined {
  let best: { codec: OfferedCodec; rank: number } | undefined;
  for (const codec of codecs) {
    const rank = videoRank(codec);
    if (rank !== undefined && (!best || rank < best.rank)) best = { codec, rank };
  }
  return best?.codec;
}

/**
 * The RTX payload type offered for `payloadType` (`a=fmtp:<rtx> apt=<payloadType>`), when werift
 * can map its SSRC: werift takes the section's first SSRC as the media and the second as its RTX
 * only when there are exactly two, so the offer must list `a=ssrc-group:FID <media> <rtx>` and
 * those two SSRCs in that order (Chromium does, without simulcast). Otherwise RTX is left out and
 * retransmissions come on the media SSRC itself.
 */
function rtxPayloadTypeFor(section: SdpMediaSection, codecs: readonly OfferedCodec[], payloadType: string): string | undefined {
  const rtx = codecs.find((c) => c.name.toLowerCase() === 'rtx' && c.clockRate === 90000 && fmtpParameters(c.fmtp).get('apt') === payloadType);
  if (!rtx) return undefined;
  const fid = section.lines.find((l) => l.startsWith('a=ssrc-group:FID '))?.slice('a=ssrc-group:FID '.length).trim().split(/\s+/);
  const ssrcs = [...new Set(section.lines.filter((l) => l.startsWith('a=ssrc:')).map((l) => l.slice('a=ssrc:'.length).split(' ')[0]))];
  if (fid?.length !== 2 || ssrcs.length !== 2 || ssrcs[0] !== fid[0] || ssrcs[1] !== fid[1]) return undefined;
  return rtx.payloadType;
}

/** Removes every payload type but `keep` from a section, and transport-cc with it. */
function keepOnly(section: SdpMediaSection, keep: readonly string[]): void {
  const dropped = new Set(section.payloadTypes.filter((pt) => !keep.includes(pt)));
  section.payloadTypes = section.payloadTypes.filter((pt) => keep.includes(pt));
  section.lines = section.lines.filter((line) => {
    const match = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ ]/.exec(line);
    if (match && dropped.has(match[1]!)) return false;
    if (line.startsWith('a=rtcp-fb:') && line.endsWith(' transport-cc')) return false;
    if (line.startsWith('a=extmap:') && line.includes(TRANSPORT_CC_EXTENSION)) return false;
    return true;
  });
}

/** Browser encoder bitrates written into the answer, kbit/s. */
export interface PublishBitrates {
  start: number;
  min: number;
  max: number;
}

/**
 * Adds Chromium's x-google bitrate hints to the answer's video fmtp (not to RTX's, which only
 * names its `apt`). Without bandwidth feedback Chromium starts low and ramps up over ~30 s (and may
 * scale the resolution down meanwhile); the start hint gives full quality from the first second.
 */
export function addBitrateHints(answerSdp: string, bitrates: PublishBitrates): string {
  const doc = parseSdp(answerSdp);
  const hints = `x-google-start-bitrate=${bitrates.start};x-google-min-bitrate=${bitrates.min};x-google-max-bitrate=${bitrates.max}`;
  for (const section of doc.media) {
    if (section.kind !== 'video' || section.port === '0') continue;
    const rtx = new Set(codecsOf(section).filter((c) => c.name.toLowerCase() === 'rtx').map((c) => c.payloadType));
    for (const pt of section.payloadTypes) {
      if (rtx.has(pt)) continue;
      const index = section.lines.findIndex((l) => l.startsWith(`a=fmtp:${pt} `));
      if (index >= 0) section.lines[index] = `${section.lines[index]};${hints}`;
      else section.lines.push(`a=fmtp:${pt} ${hints}`);
    }
  }
  return writeSdp(doc);
}
