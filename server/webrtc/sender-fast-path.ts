import { RTP_EXTENSION_URI, type RtpHeader, type RtpPacket, type RTCRtpSender } from 'werift';
import { makePacket, newHeader } from './fast-rtp-packet';
import { srtpEncryptorOf } from './fast-srtp';
import { ntpNow } from './ntp-time';
import { WERIFT_HISTORY_PACKETS } from './sender-history';
import type { SrtpEncryptor } from './srtp-encryptor';

const UINT32 = 2 ** 32;

/** A header extension as werift's RtpHeader holds it. */
interface HeaderExtension {
  id: number;
  payload: Buffer;
}

/** The parts of werift 0.25.2's RTCRtpSender (public in JavaScript, partly private in its typings) this module touches. */
interface WeriftSender {
  stopped: boolean;
  ssrc: number;
  mid?: string;
  codec?: { payloadType: number };
  headerExtensions: Array<{ uri: string; id: number }>;
  dtlsTransport: WeriftDtlsTransport;
  /** Set by replaceTrack/replaceRTP: werift then rewrites sequence numbers and timestamps. */
  rtpContinuityPending: boolean;
  seqOffset: number;
  timestampOffset: number;
  redRedundantPayloadType?: number;
  /** What werift's RTCP loop puts in its sender reports. */
  sequenceNumber?: number;
  timestamp?: number;
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
  rtpCache: Array<RtpPacket | undefined>;
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
  sendRtp(packet: RtpPacket): Promise<void>;
}

/** The parts of werift 0.25.2's SrtpSession this module touches. */
interface WeriftSrtpSession {
  encrypt(payload: Buffer, header: RtpHeader): Buffer;
  /** The sending side's per-SSRC rollover counters. */
  localContext: {
    getSrtpSsrcState(ssrc: number): { rolloverCounter: number };
    updateRolloverCount(sequenceNumber: number, state: { rolloverCounter: number }): void;
  };
}

/** The parts of werift 0.25.2's RTCDtlsTransport this module touches. */
interface WeriftDtlsTransport {
  state: string;
  srtp?: WeriftSrtpSession;
  bytesSent: number;
  packetsSent: number;
  config: { debug?: { outboundPacketLoss?: number } };
  iceTransport: { connection: { send(data: Buffer): Promise<void> } };
}

/**
 * The send path of one RTP stream to a WebRTC viewer. werift's `sendRtp` runs a chain built for
 * generality on every packet: five nested async functions (sender, dispatch, DTLS transport, ICE
 * connection, protocol), a clone of the packet, its header extensions rebuilt, filtered and
 * sorted, the NTP clock read into a BigInt and a 32-bit BigInt addition for the packet count, and
 * the bandwidth estimator's bookkeeping (transport-cc, which viewers do not negotiate). Here a
 * packet is built once with the sender's SSRC, payload type and MID, its werift state (sequence
 * number, timestamp, counters, the NACK cache, the sender reports' NTP/RTP pair, read on each new
 * timestamp) updated as werift does, encrypted with the session's keys by an SrtpEncryptor (werift's
 * own encrypt when installFastSrtp did not take the session) into one buffer, and handed to the
 * ICE connection, the one async call left.
 *
 * What it does not model goes to werift's own `sendRtp`, packet by packet: a sender not yet
 * connected or stopped, a track replaced (werift rewrites sequence numbers), RED, header
 * extensions other than MID, werift's debug packet loss. werift 0.25.2.
 */
export class SenderFastPath {
  readonly #sender: WeriftSender;
  /** The MID extension when negotiated: one array shared by every packet (werift never writes to it). */
  readonly #extensions: HeaderExtension[];
  readonly #mid: string | undefined;
  /** The serialized header (the fixed 12 bytes and the extension block), rewritten in place for each packet (marker, payload type, sequence number, timestamp, SSRC). */
  readonly #header: Buffer;
  /** The SRTP session `#encryptor` has the keys of (werift makes a new one if DTLS restarts). */
  #session: WeriftSrtpSession | undefined;
  #encryptor: SrtpEncryptor | undefined;

  private constructor(sender: WeriftSender) {
    this.#sender = sender;
    this.#mid = sender.mid;
    const midExtension = sender.headerExtensions.find((extension) => extension.uri === RTP_EXTENSION_URI.sdesMid);
    this.#extensions = midExtension && sender.mid ? [{ id: midExtension.id, payload: Buffer.from(sender.mid) }] : [];
    // werift lays out the header; its extension block never changes.
    const header = newHeader();
    header.extensions = this.#extensions;
    this.#header = header.serialize(header.serializeSize);
  }

  /**
   * The fast path of a sender whose local description is set (its MID and header extensions are
   * negotiated). Undefined when werift is not as expected: then werift's `sendRtp` stays the path.
   */
  static attach(sender: RTCRtpSender): SenderFastPath | undefined {
    const internals = sender as unknown as Partial<WeriftSender>;
    const transport = internals.dtlsTransport;
    if (!Array.isArray(internals.rtpCache) || !Array.isArray(internals.headerExtensions) || typeof internals.runRtcp !== 'function') return undefined;
    if (typeof transport?.iceTransport?.connection?.send !== 'function' || typeof internals.ssrc !== 'number') return undefined;
    return new SenderFastPath(internals as WeriftSender);
  }

  /** Sends `packet` (read, not kept: the caller may reuse it) with the sender's SSRC, payload type and MID. */
  send(packet: RtpPacket): void {
    const sender = this.#sender;
    const transport = sender.dtlsTransport;
    const codec = sender.codec;
    const srtp = transport.srtp;
    if (!this.#models(sender) || !codec || !srtp) {
      sender.sendRtp(packet).catch(ignoreRejection);
      return;
    }
    const { payload } = packet;
    const header = newHeader();
    header.ssrc = sender.ssrc;
    header.payloadType = codec.payloadType;
    header.marker = packet.header.marker;
    header.sequenceNumber = (packet.header.sequenceNumber + sender.seqOffset) & 0xffff;
    header.timestamp = (packet.header.timestamp + sender.timestampOffset) % UINT32;
    header.extensions = this.#extensions;
    const sent = makePacket(header, payload);

    sender.sequenceNumber = header.sequenceNumber;
    sender.timestamp = header.timestamp;
    // The sender reports' pair: when a timestamp was sent. All the packets of a frame leave together.
    if (header.timestamp !== sender.rtpTimestamp) {
      sender.ntpTimestamp = ntpNow();
      sender.rtpTimestamp = header.timestamp;
    }
    sender.octetCount += payload.length;
    sender.headerBytesSent += this.#header.length;
    sender.packetCount = (sender.packetCount + 1) % UINT32;
    sender.rtpCache[header.sequenceNumber % WERIFT_HISTORY_PACKETS] = sent;

    let datagram: Buffer;
    try {
      datagram = this.#encrypt(srtp, header, payload);
    } catch {
      return; // as werift: a packet that cannot be protected is not sent (the viewer NACKs it)
    }
    transport.bytesSent += datagram.length;
    transport.packetsSent++;
    transport.iceTransport.connection.send(datagram).catch(ignoreRejection);
    if (!sender.rtcpRunning) void sender.runRtcp();
  }

  /** The SRTP packet, with werift's rollover counter of the SSRC: by the session's SrtpEncryptor, else werift's encrypt. */
  #encrypt(srtp: WeriftSrtpSession, header: RtpHeader, payload: Buffer): Buffer {
    if (srtp !== this.#session) {
      this.#session = srtp;
      this.#encryptor = srtpEncryptorOf(srtp);
    }
    const encryptor = this.#encryptor;
    if (!encryptor) return srtp.encrypt(payload, header);
    const { ssrc, sequenceNumber } = header;
    const rollover = srtp.localContext.getSrtpSsrcState(ssrc);
    srtp.localContext.updateRolloverCount(sequenceNumber, rollover);
    const bytes = this.#header;
    bytes[1] = (header.marker ? 0x80 : 0) | header.payloadType;
    bytes.writeUInt16BE(sequenceNumber, 2);
    bytes.writeUInt32BE(header.timestamp, 4);
    bytes.writeUInt32BE(ssrc, 8);
    return encryptor.encrypt(bytes, payload, ssrc, sequenceNumber, rollover.rolloverCounter);
  }

  /** Whether werift would send this packet the way `send` does (checked per packet: werift's state can change). */
  #models(sender: WeriftSender): boolean {
    return (
      !sender.stopped &&
      sender.dtlsTransport.state === 'connected' &&
      !sender.rtpContinuityPending &&
      sender.redRedundantPayloadType === undefined &&
      sender.mid === this.#mid &&
      sender.headerExtensions.every((extension) => extension.uri === RTP_EXTENSION_URI.sdesMid) &&
      !sender.dtlsTransport.config.debug?.outboundPacketLoss
    );
  }
}

/** werift's own send drops what fails (a closed transport); a lost packet is the viewer's to NACK. */
function ignoreRejection(): void {}
