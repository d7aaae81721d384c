/**
 * Just enough SDP structure to rewrite offers and answers line by line: a session part and
 * one section per `m=` line. Unknown lines are kept as they are.
 */
export interface SdpDocument {
  session: string[];
  media: SdpMediaSection[];
}

/** One `m=` section: its `m=` line split up, and the attribute lines below it. */
export interface SdpMediaSection {
  kind: string;
  port: string;
  protocol: string;
  payloadTypes: string[];
  lines: string[];
}

/** Splits SDP text into its session part and media sections. */
export function parseSdp(sdp: string): SdpDocument {
  const doc: SdpDocument = { session: [], media: [] };
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) {
      const [kind = '', port = '', protocol = '', ...payloadTypes] = line.slice(2).split(' ');
      doc.media.push({ kind, port, protocol, payloadTypes, lines: [] });
    } else if (doc.media.length === 0) {
      doc.session.push(line);
    } else {
      doc.media[doc.media.length - 1]!.lines.push(line);
    }
  }
  return doc;
}

/** Joins a document back into SDP text with CRLF line ends. */
export function writeSdp(doc: SdpDocument): string {
  const lines = [...doc.session];
  for (const m of doc.media) {
    lines.push(`m=${[m.kind, m.port, m.protocol, ...m.payloadTypes].join(' ')}`, ...m.lines);
  }
  return lines.join('\r\n') + '\r\n';
}

/** A codec offered in a media section. */
export interface OfferedCodec {
  payloadType: string;
  /** Encoding name as written, e.g. 'H264', 'opus', 'rtx'. */
  name: string;
  clockRate: number;
  channels?: number;
  /** The `a=fmtp` parameters as written ('' when absent). */
  fmtp: string;
  /** `a=rtcp-fb` values, e.g. 'nack', 'nack pli', 'transport-cc'. */
  feedback: string[];
}

/** Lists the codecs of a media section in offer order. */
export function codecsOf(section: SdpMediaSection): OfferedCodec[] {
  return section.payloadTypes.map((payloadType) => {
    const rtpmap = attribute(section, `rtpmap:${payloadType} `) ?? '';
    const [name = '', clockRate = '0', channels] = rtpmap.split('/');
    const codec: OfferedCodec = {
      payloadType,
      name,
      clockRate: Number(clockRate),
      fmtp: attribute(section, `fmtp:${payloadType} `) ?? '',
      feedback: section.lines
        .filter((l) => l.startsWith(`a=rtcp-fb:${payloadType} `))
        .map((l) => l.slice(`a=rtcp-fb:${payloadType} `.length)),
    };
    if (channels !== undefined) codec.channels = Number(channels);
    return codec;
  });
}

/** Parses `a=fmtp` parameters `k=v;k2=v2` into a map (keys lower-cased). */
export function fmtpParameters(fmtp: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return map;
}

function attribute(section: SdpMediaSection, prefix: string): string | undefined {
  const line = section.lines.find((l) => l.startsWith(`a=${prefix}`));
  return line?.slice(prefix.length + 2);
}
