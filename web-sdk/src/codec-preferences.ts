import { parseCodecNames } from './codec-names';

/** The fields of an RTCRtpCodec (as listed by RTCRtpSender.getCapabilities()) this module reads. */
export interface CodecCapability {
  mimeType: string;
  sdpFmtpLine?: string;
}

// Retransmission, redundancy and FEC entries only ride along with a real codec.
const AUXILIARY_CODECS = new Set(['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03']);
const PACKETIZATION_MODE_1 = /(?:^|;)\s*packetization-mode=1\s*(?:;|$)/;

/**
 * Orders a transceiver's codec capabilities for publishing: codecs named in `stripCodecs`
 * (comma-separated, case-insensitive) are removed, and H.264 with packetization-mode=1 moves to
 * the front, in the browser's order otherwise, because RTMP carries H.264 and the gateway can
 * then forward it without transcoding. Returns null when no media codec would be left, since
 * setCodecPreferences([]) silently restores the browser's defaults.
 */
export function publisherCodecOrder<T extends CodecCapability>(codecs: readonly T[], stripCodecs: string): T[] | null {
  const stripped = parseCodecNames(stripCodecs);
  const kept = codecs.filter((codec) => !stripped.has(encodingName(codec)));
  if (!kept.some((codec) => !AUXILIARY_CODECS.has(encodingName(codec)))) {
    return null;
  }
  const h264 = kept.filter(isH264PacketizationMode1);
  const rest = kept.filter((codec) => !isH264PacketizationMode1(codec));
  return [...h264, ...rest];
}

/** "video/H264" → "H264". */
function encodingName(codec: CodecCapability): string {
  return codec.mimeType.slice(codec.mimeType.indexOf('/') + 1).toUpperCase();
}

function isH264PacketizationMode1(codec: CodecCapability): boolean {
  return encodingName(codec) === 'H264' && PACKETIZATION_MODE_1.test(codec.sdpFmtpLine ?? '');
}
