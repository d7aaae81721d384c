import { StunProtocol, type RTCPeerConnection, type RTCRtpReceiver } from 'werift';
import type { Logger } from '../log';
import { srtpDecryptorOf } from './fast-srtp';
import type { RtpSink } from './received-rtp';
import { countReceivedPacket, isWeriftStreamStatistics } from './receiver-statistics';
import { SrtpDecryptError, type SrtpDecryptor } from './srtp-decryptor';

/** The parts of werift 0.25.2's RTCDtlsTransport (public in JavaScript, partly private in its typings) this module touches. */
interface WeriftDtlsTransport {
  srtpStarted: boolean;
  /** The SrtpSession made by startSrtp (replaced if werift ever re-keys). */
  srtp: object | undefined;
  bytesReceived: number;
  packetsReceived: number;
  config: { debug?: { inboundPacketLoss?: number } };
  iceTransport: { connection: WeriftIceConnection };
  startSrtp(): void;
}
type DataHandler = (data: Buffer) => void;
type Subscribe = (execute: DataHandler, ...rest: unknown[]) => unknown;

/** The parts of werift 0.25.2's ICE Connection this module touches. */
interface WeriftIceConnection {
  /** Data (DTLS, SRTP, SRTCP) its protocols received: an Event, `onDataReceived` of each protocol re-fired. */
  onData: { subscribe: Subscribe };
  /** Its transports: StunProtocol (host, or the shared port's) and TurnProtocol. */
  protocols: unknown[];
  /** The selected pair; werift counts its received packets for getStats. */
  nominated?: { protocol: unknown; packetsReceived: number; bytesReceived: number };
}

/** werift's StunProtocol: its transport calls `datagramReceived` (looked up on each datagram) for every datagram. */
interface WeriftStunProtocol {
  datagramReceived(data: Buffer, addr: unknown): void;
}

/** The parts of werift 0.25.2's RTCRtpReceiver this module touches. */
interface WeriftReceiver {
  stopped: boolean;
  codecs: Record<number, { mimeType: string } | undefined>;
  ssrcByRtx: Record<number, number | undefined>;
  trackBySSRC: Record<number, WeriftTrack | undefined>;
  tracks: WeriftTrack[];
  /** werift's receiver-report statistics (StreamStatistics), one per SSRC, made by werift on the SSRC's first packet. */
  remoteStreams: Record<number, object | undefined>;
  receiverTWCC: unknown;
  readonly twccEnabled: unknown;
}
interface WeriftTrack {
  muted: boolean;
}

/** A receiver whose packets go to `sink`. */
interface Delivery {
  readonly receiver: WeriftReceiver;
  readonly track: WeriftTrack;
  readonly sink: RtpSink;
}

/** The packet as the sinks read it; one object, refilled for every packet. */
interface PacketView {
  header: { sequenceNumber: number; timestamp: number; marker: boolean };
  payload: Buffer;
}

const RTP_HEADER_BYTES = 12;
/** werift's stats clock is performance.timeOrigin + performance.now(); the origin never changes. */
const TIME_ORIGIN_MS = performance.timeOrigin;

/** RTP (RFC 7983: neither STUN nor DTLS), not RTCP (werift's isRtcp: packet types 192-208). */
function isRtp(data: Buffer): boolean {
  if (data.length < RTP_HEADER_BYTES) return false;
  const first = data[0]!;
  const second = data[1]!;
  return first >= 0x80 && first <= 0xbf && (second < 192 || second > 208);
}

/**
 * The receive path of one publisher's media once DTLS is up. werift hands every SRTP packet
 * through a chain built for generality: decrypt into a new packet, parse it into objects, route
 * it (parsing header extensions), then per receiver look up the codec (a sorted copy of the codec
 * table, twice), update its statistics, clone the packet, and fire three events, each starting an
 * async function. The fast path does what that chain does for the packets the gateway gets —
 * authenticate and decrypt, update werift's receiver-report statistics, unwrap RTX, unmute the
 * track — and calls the ingest directly with the header read in place and the decrypted payload,
 * the only buffer made per packet.
 *
 * It takes over werift's SRTP subscription on the ICE connection when werift starts SRTP
 * (`startSrtp`, an own property over werift's prototype method on this transport), and keeps
 * werift's handler for everything else: RTCP, DTLS, an SSRC's first packet (werift creates its
 * statistics and starts its receiver reports), SSRCs of receivers not registered here, and
 * receivers or sessions it does not model (simulcast, RED, transport-cc, header extensions,
 * werift's debug packet loss, an SRTP session installFastSrtp did not take). werift 0.25.2.
 */
export class MediaFastPath {
  readonly #peer: RTCPeerConnection;
  readonly #transport: WeriftDtlsTransport;
  readonly #log: Logger;
  readonly #deliveries: Delivery[] = [];
  /** Delivery by SSRC (media or RTX), once resolved. */
  readonly #routes = new Map<number, Delivery>();
  readonly #rtxCodecs = new WeakMap<object, boolean>();
  readonly #view: PacketView = { header: { sequenceNumber: 0, timestamp: 0, marker: false }, payload: Buffer.alloc(0) };
  #session: object | undefined;
  #decryptor: SrtpDecryptor | undefined;

  private constructor(peer: RTCPeerConnection, transport: WeriftDtlsTransport, logger: Logger) {
    this.#peer = peer;
    this.#transport = transport;
    this.#log = logger;
  }

  /**
   * Prepares the fast path of a peer whose remote description is set and whose DTLS has not
   * started. Undefined when werift is not as expected (then werift keeps the whole receive path).
   */
  static attach(peer: RTCPeerConnection, logger: Logger): MediaFastPath | undefined {
    const transport = peer.getTransceivers()[0]?.receiver.dtlsTransport as unknown as Partial<WeriftDtlsTransport> | undefined;
    const onData = transport?.iceTransport?.connection?.onData;
    if (!transport || transport.srtpStarted !== false || typeof transport.startSrtp !== 'function' || typeof onData?.subscribe !== 'function') return undefined;
    const path = new MediaFastPath(peer, transport as WeriftDtlsTransport, logger);
    const start = transport.startSrtp;
    // werift's startSrtp subscribes its packet handler to the ICE connection's data: ours goes in its place.
    transport.startSrtp = function startSrtpFast(this: WeriftDtlsTransport): void {
      const subscribe = onData.subscribe;
      onData.subscribe = (execute, ...rest) => {
        onData.subscribe = subscribe;
        return subscribe(path.#takeOver(execute), ...rest);
      };
      try {
        start.call(this);
      } finally {
        onData.subscribe = subscribe;
      }
    };
    return path;
  }

  /** Sends the RTP of `receiver`'s track to `sink`, RTX unwrapped, instead of through werift's track event. */
  deliver(receiver: RTCRtpReceiver, sink: RtpSink): void {
    const internals = receiver as unknown as WeriftReceiver;
    const track = internals.tracks[0];
    if (track) this.#deliveries.push({ receiver: internals, track, sink });
  }

  /** The handler subscribed instead of werift's `execute`: ours, or werift's own when the peer uses what the fast path does not model. */
  #takeOver(execute: DataHandler): DataHandler {
    const extensions = Object.keys(this.#peer.extIdUriMap).length;
    if (extensions > 0 || this.#transport.config.debug?.inboundPacketLoss) {
      this.#log.info({ extensions }, 'RTP takes werift\'s receive path');
      return execute;
    }
    this.#bypassIceEvents();
    return (data) => {
      if (!this.#receive(data)) execute(data);
    };
  }

  /**
   * Each datagram werift's StunProtocol receives is parsed as STUN, then fired through two events
   * (the protocol's, then the ICE connection's), each call allocating its arguments and an async
   * function: most of what receiving costs the garbage collector. RTP that the fast path takes
   * skips them, counted on the selected pair as werift would; the rest (STUN, DTLS, SRTCP, RTP
   * the fast path leaves) takes werift's way. TURN protocols keep werift's way entirely.
   */
  #bypassIceEvents(): void {
    const connection = this.#transport.iceTransport.connection;
    for (const protocol of connection.protocols) {
      if (!(protocol instanceof StunProtocol)) continue;
      const internals = protocol as unknown as WeriftStunProtocol;
      const datagramReceived = internals.datagramReceived;
      if (typeof datagramReceived !== 'function') continue;
      internals.datagramReceived = (data, addr) => {
        if (this.#receive(data)) {
          const pair = connection.nominated;
          if (pair?.protocol === protocol) {
            pair.packetsReceived++;
            pair.bytesReceived += data.length;
          }
          return;
        }
        datagramReceived.call(protocol, data, addr);
      };
    }
  }

  /** Handles one datagram from the ICE connection if it is SRTP of a known SSRC; false leaves it to werift. */
  #receive(data: Buffer): boolean {
    if (!isRtp(data)) return false;
    const first = data[0]!;
    const second = data[1]!;
    const ssrc = data.readUInt32BE(8);
    const delivery = this.#routes.get(ssrc) ?? this.#resolve(ssrc);
    if (delivery === undefined) return false;
    const { receiver } = delivery;
    const stats = receiver.remoteStreams[ssrc];
    const decryptor = this.#currentDecryptor();
    if (stats === undefined || decryptor === undefined || !isWeriftStreamStatistics(stats)) return false;
    const transport = this.#transport;
    transport.bytesReceived += data.length;
    transport.packetsReceived++;
    let padded: Buffer;
    try {
      padded = decryptor.decryptPayload(data);
    } catch (err) {
      // werift drops a packet that fails SRTP (only log in debug).
      if (err instanceof SrtpDecryptError) return true;
      throw err;
    }
    const headerBytes = data.length - decryptor.tagBytes - padded.length;
    let payload = padded;
    if (first & 0x20) {
      const padding = padded[padded.length - 1] ?? 0;
      if (padding > padded.length) return true; // malformed: dropped
      payload = padded.subarray(0, padded.length - padding);
    }
    const codec = receiver.codecs[second & 0x7f];
    if (receiver.stopped || codec === undefined) return true;
    const view = this.#view;
    view.header.sequenceNumber = data.readUInt16BE(2);
    view.header.timestamp = data.readUInt32BE(4);
    view.header.marker = (second & 0x80) !== 0;
    view.payload = payload;
    countReceivedPacket(stats, view.header.sequenceNumber, view.header.timestamp, payload.length, headerBytes, TIME_ORIGIN_MS + performance.now());
    let trackSsrc = ssrc;
    const retransmission = this.#isRtx(codec);
    if (retransmission) {
      // RFC 4588: the original sequence number, then the original payload.
      if (payload.length < 2) return true;
      trackSsrc = receiver.ssrcByRtx[ssrc] ?? -1;
      view.header.sequenceNumber = payload.readUInt16BE(0);
      view.payload = payload.subarray(2);
    }
    if (receiver.trackBySSRC[trackSsrc] !== delivery.track) return true; // werift delivers a packet without a track to no one
    // What werift's own subscriber does (it keeps the header too, which nothing reads).
    delivery.track.muted = false;
    try {
      delivery.sink(view, retransmission);
    } catch (err) {
      // werift catches (and debug-logs) what a track subscriber throws; so does the fast path.
      this.#log.debug({ err: (err as Error).message }, 'RTP sink failed');
    }
    return true;
  }

  /** The delivery of a media or RTX SSRC of a receiver the fast path models, cached; undefined leaves it to werift. */
  #resolve(ssrc: number): Delivery | undefined {
    const delivery = this.#deliveries.find(({ receiver, track }) => {
      const media = receiver.trackBySSRC[ssrc] === track || receiver.trackBySSRC[receiver.ssrcByRtx[ssrc] ?? -1] === track;
      return media && receiver.tracks.length === 1 && !receiver.receiverTWCC && !receiver.twccEnabled
        && Object.values(receiver.codecs).every((codec) => !/\/red$/i.test(codec?.mimeType ?? ''));
    });
    if (delivery !== undefined) this.#routes.set(ssrc, delivery);
    return delivery;
  }

  #isRtx(codec: { mimeType: string }): boolean {
    let rtx = this.#rtxCodecs.get(codec);
    if (rtx === undefined) {
      rtx = codec.mimeType.toLowerCase().endsWith('/rtx');
      this.#rtxCodecs.set(codec, rtx);
    }
    return rtx;
  }

  /** The decryptor of the transport's current SRTP session; undefined when installFastSrtp did not take it. */
  #currentDecryptor(): SrtpDecryptor | undefined {
    const session = this.#transport.srtp;
    if (session !== this.#session) {
      this.#session = session;
      this.#decryptor = session === undefined ? undefined : srtpDecryptorOf(session);
    }
    return this.#decryptor;
  }
}
