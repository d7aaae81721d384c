import { codecsOf, fmtpParameters, parseSdp, writeSdp, type OfferedCodec, type SdpMediaSection } from './sdp-lines';

/** The video codec the gateway takes from a publisher: H.264 passes through, VP8 is transcoded. */
export interface ChosenVideoCodec {
  codec: 'h264' | 'vp8';
  payloadType: number;
  /** The offered fmtp, echoed to werift so its own compatibility check agrees. */
  fmtp: string;
}

/** The audio codec the gateway takes from a publisher (always Opus). */
export interface ChosenAudioCodec {
  codec: 'opus';
  payloadType: number;
  fmtp: string;
  channels: number;
}

/** The outcome of reading an offer: the codecs to receive and the offer restricted to them. */
export interface OfferSelection {
  video?: ChosenVideoCodec;
  audio?: ChosenAudioCodec;
  /** The offer with only the chosen payload types and without transport-cc. */
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
 * VP8 first, so the offer handed to werift keeps only the chosen payload type. transport-cc is removed
 * too: werift's transport-wide feedback collapses Chromium's bandwidth estimate (field notes).
 */
export function selectOfferCodecs(offerSdp: string): OfferSelection {
  const doc = parseSdp(offerSdp);
  const selection: Omit<OfferSelection, 'restrictedOffer'> = {};
  for (const section of doc.media) {
    if (section.port === '0') continue;
    if (section.kind === 'video') {
      const chosen = chooseVideo(codecsOf(section));
      if (!chosen) throw new UnsupportedOfferError('the offer has no H.264 or VP8 video');
      selection.video = { codec: chosen.name.toUpperCase() === 'VP8' ? 'vp8' : 'h264', payloadType: Number(chosen.payloadType), fmtp: chosen.fmtp };
      keepOnly(section, chosen.payloadType);
    } else if (section.kind === 'audio') {
      const opus = codecsOf(section).find((c) => c.name.toLowerCase() === 'opus' && c.clockRate === 48000);
      if (!opus) throw new UnsupportedOfferError('the offer has no Opus audio');
      selection.audio = { codec: 'opus', payloadType: Number(opus.payloadType), fmtp: opus.fmtp, channels: opus.channels ?? 2 };
      keepOnly(section, opus.payloadType);
    }
  }
  if (!selection.video && !selection.audio) throw new UnsupportedOfferError('the offer has neither audio nor video');
  return { ...selection, restrictedOffer: writeSdp(doc) };
}

/** Ranks the offered video codecs; lower is better, undefined is unusable. */
function videoRank(codec: OfferedCodec): number | undefined {
  const name = codec.name.toUpperCase();
  if (name === 'VP8') return 100;
  if (name !== 'H264') return undefined;
  const params = fmtpParameters(codec.fmtp);
  const mode = params.get('packetization-mode') ?? '0';
  if (mode !== '0' && mode !== '1') return undefined;
  const profile = (params.get('profile-level-id') ?? '42e01f').slice(0, 4).toLowerCase();
  // Constrained baseline plays everywhere RTMP goes; other profiles still pass through.
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

/** Removes every payload type but `payloadType` from a section, and transport-cc with it. */
function keepOnly(section: SdpMediaSection, payloadType: string): void {
  const dropped = new Set(section.payloadTypes.filter((pt) => pt !== payloadType));
  section.payloadTypes = [payloadType];
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
 * Adds Chromium's x-google bitrate hints to the answer's video fmtp. Without bandwidth feedback
 * Chromium starts low and ramps up over ~30 s (and may scale the resolution down meanwhile);
 * the start hint gives full quality from the first second.
 */
export function addBitrateHints(answerSdp: string, bitrates: PublishBitrates): string {
  const doc = parseSdp(answerSdp);
  const hints = `x-google-start-bitrate=${bitrates.start};x-google-min-bitrate=${bitrates.min};x-google-max-bitrate=${bitrates.max}`;
  for (const section of doc.media) {
    if (section.kind !== 'video' || section.port === '0') continue;
    for (const pt of section.payloadTypes) {
      const index = section.lines.findIndex((l) => l.startsWith(`a=fmtp:${pt} `));
      if (index >= 0) section.lines[index] = `${section.lines[index]};${hints}`;
      else section.lines.push(`a=fmtp:${pt} ${hints}`);
    }
  }
  return writeSdp(doc);
}
