import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket, type RTCPeerConnection, type RTCRtpSender } from 'werift';
import { EndReasons, type EndReason } from '../hub/end-reason';
import type { Frame } from '../hub/frame';
import type { FrameQueueLimits } from '../hub/frame-queue';
import type { ReaderEnd, ReaderTracks, StreamReader } from '../hub/reader';
import { StreamStatusInfo } from '../hub/status-info';
import type { HubStream } from '../hub/stream';
import type { Codec, Track } from '../hub/track';
import type { Logger } from '../log';
import { H264FormatError } from '../media/h264/h264-format-error';
import { H264Packetizer } from '../media/rtp/h264-packetizer';
import type { PlayEvents } from '../signalling/play-service';
import { SenderFastPath } from './sender-fast-path';
import { SenderHistory } from './sender-history';
import type { SendingPeer } from './sending-peer';

/** ICE + DTLS must complete within this, ms. */
const CONNECT_TIMEOUT_MS = 20_000;
/**
 * A viewer whose peer closed its DTLS ends this much later, ms: a player's stop closes its peer and
 * sends its stop request (stopStream, DELETE) at once, and the request, which says why, may arrive
 * second.
 */
const PEER_CLOSE_GRACE_MS = 500;
/** Keyframes asked of the publisher on a viewer's behalf are at least this far apart, ms. */
const KEYFRAME_REQUEST_SPACING_MS = 1000;
/** A viewer that falls this far behind loses whole GOPs rather than queueing more. */
const READER_LIMITS: FrameQueueLimits = { maxBytes: 8 * 1024 * 1024, maxMs: 2000 };
const VIDEO_CLOCK_RATE = 90_000;
const OPUS_CLOCK_RATE = 48_000;
const UINT32 = 2 ** 32;

/** What a viewer did, for its last log line. */
export interface ViewerSummary {
  /** Since the viewer was created (negotiated), ms. */
  readonly durationMs: number;
  readonly framesSent: number;
  readonly packetsSent: number;
  /** RTP payload bytes sent (werift's retransmissions not included). */
  readonly bytes: number;
  /** Frames the viewer did not get: its queue overflowed, or it waited for a keyframe. */
  readonly droppedFrames: number;
  /** Picture loss indications received from the viewer. */
  readonly plis: number;
  /** Video packets the viewer asked for again (NACK). */
  readonly nackedPackets: number;
  /** Video packets retransmitted for those NACKs. */
  readonly retransmittedPackets: number;
  /** Of those, packets older than werift's own 128 that the longer history gave back. */
  readonly restoredPackets: number;
}

/**
 * One RTP stream to the viewer: continuous sequence numbers from a random start, timestamps on the
 * payload format's clock from the frames' pts, through werift's sender (which answers NACKs from
 * the packets it sent, the video's with a {@link SenderHistory}, and sends the RTCP sender reports),
 * by its {@link SenderFastPath} when werift is as expected.
 */
class RtpWriter {
  readonly #sender: RTCRtpSender;
  readonly #fastPath: SenderFastPath | undefined;
  readonly #clockRate: number;
  /** Video only: werift's own 128 packets are less than one keyframe. */
  readonly history: SenderHistory | undefined;
  /** Reused for every packet: the fast path reads it, werift's sendRtp clones it before its first await. */
  readonly #packet = new RtpPacket(new RtpHeader(), Buffer.alloc(0));
  readonly #timestampOffset = randomInt(UINT32);
  packets = 0;
  bytes = 0;

  constructor(sender: RTCRtpSender, clockRate: number, history?: SenderHistory) {
    this.#sender = sender;
    this.#fastPath = SenderFastPath.attach(sender);
    this.#clockRate = clockRate;
    this.history = history;
    this.#packet.header.sequenceNumber = randomInt(0x10000);
  }

  /** Sets the timestamp of the packets that follow from a frame's pts. */
  startFrame(frame: Frame): void {
    const units = this.#timestampOffset + Math.round((frame.pts * this.#clockRate) / frame.track.timescale);
    this.#packet.header.timestamp = units - Math.floor(units / UINT32) * UINT32;
  }

  /** Sends one payload of the current frame. */
  readonly send = (payload: Buffer, marker: boolean): void => {
    const { header } = this.#packet;
    header.marker = marker;
    this.#packet.payload = payload;
    if (this.#fastPath) this.#fastPath.send(this.#packet);
    else this.#sender.sendRtp(this.#packet).catch(ignoreRejection);
    this.history?.remember();
    header.sequenceNumber = (header.sequenceNumber + 1) & 0xffff;
    this.packets++;
    this.bytes += payload.length;
  };
}

/** werift logs its own send and close failures: a lost packet is the viewer's to NACK, a peer closing is closed. */
function ignoreRejection(): void {}

/**
 * One WebRTC viewer of a hub stream: a reader of its H.264 and Opus frames, sent as RTP through a
 * send-only werift peer. It starts reading once ICE and DTLS are up, at the last keyframe (the
 * stream's cache); a viewer too slow for the stream loses whole GOPs, never the stream's or other
 * readers' time. Its PLIs ask the publisher for a keyframe, at most once a second. It ends with
 * the stream, when its peer fails or closes, or on `stop`.
 */
export class WebRtcViewer {
  readonly #peer: RTCPeerConnection;
  readonly #stream: HubStream;
  readonly #events: PlayEvents;
  readonly #log: Logger;
  readonly #video: RtpWriter | undefined;
  readonly #audio: RtpWriter | undefined;
  readonly #packetizer = new H264Packetizer();
  readonly #createdAt = performance.now();
  readonly #unsubscribe: Array<() => void> = [];
  readonly #connectTimer: NodeJS.Timeout;
  #peerCloseTimer: NodeJS.Timeout | undefined;
  #reader: StreamReader | undefined;
  /** The video track frames were last sent from. */
  #videoTrack: Track | undefined;
  /** Video frames are skipped until a keyframe (a new video track, a malformed access unit). */
  #awaitingKeyframe = true;
  #lastKeyframeRequestAt = -Infinity;
  #framesSent = 0;
  #skippedFrames = 0;
  #plis = 0;
  #playing = false;
  #ended = false;

  constructor(sending: SendingPeer, stream: HubStream, events: PlayEvents, logger: Logger) {
    this.#peer = sending.peer;
    this.#stream = stream;
    this.#events = events;
    this.#log = logger;
    this.#video = sending.video && new RtpWriter(sending.video, VIDEO_CLOCK_RATE, SenderHistory.attach(sending.video));
    this.#audio = sending.audio && new RtpWriter(sending.audio, OPUS_CLOCK_RATE);
    if (sending.video) {
      this.#unsubscribe.push(sending.video.onPictureLossIndication.subscribe(() => {
        this.#plis++;
        this.#requestKeyframe('viewer PLI');
      }).unSubscribe);
    }
    this.#unsubscribe.push(this.#peer.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#onConnected();
      else if (state === 'failed') this.stop(EndReasons.failure(StreamStatusInfo.FAILED_BY_ICE_ERROR));
      else if (state === 'closed') this.stop(EndReasons.failure(StreamStatusInfo.FAILED_BY_DTLS_ERROR));
    }).unSubscribe);
    // werift 0.25 leaves the viewer's DTLS close_notify (its peer closed) out of connectionState.
    const transport = (sending.video ?? sending.audio)?.transport;
    if (transport) {
      this.#unsubscribe.push(transport.onStateChange.subscribe((state) => {
        if (state === 'closed') this.#peerCloseTimer ??= setTimeout(() => this.stop(EndReasons.sessionDisconnect), PEER_CLOSE_GRACE_MS);
      }).unSubscribe);
    }
    stream.on('close', this.#onStreamClose);
    this.#connectTimer = setTimeout(() => this.stop(EndReasons.failure(StreamStatusInfo.FAILED_BY_ICE_TIMEOUT)), CONNECT_TIMEOUT_MS);
  }

  get summary(): ViewerSummary {
    return {
      durationMs: Math.round(performance.now() - this.#createdAt),
      framesSent: this.#framesSent,
      packetsSent: (this.#video?.packets ?? 0) + (this.#audio?.packets ?? 0),
      bytes: (this.#video?.bytes ?? 0) + (this.#audio?.bytes ?? 0),
      droppedFrames: (this.#reader?.stats.droppedFrames ?? 0) + this.#skippedFrames,
      plis: this.#plis,
      nackedPackets: this.#video?.history?.nacked ?? 0,
      retransmittedPackets: this.#video?.history?.retransmitted ?? 0,
      restoredPackets: this.#video?.history?.restored ?? 0,
    };
  }

  /** Ends the viewer (idempotent): reader and peer closed, the caller told with `reason`. */
  stop(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#peerCloseTimer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#stream.off('close', this.#onStreamClose);
    const summary = this.summary;
    this.#reader?.close();
    this.#peer.close().catch(ignoreRejection);
    const failed = reason.code === 'failure';
    this.#log.info({ reason: reason.info, ...summary }, failed ? 'viewer failed' : 'viewer ended');
    this.#events.onEnded(reason.info, failed);
  }

  readonly #onStreamClose = (reason: EndReason): void => this.stop(reason);

  #onConnected(): void {
    if (this.#playing || this.#ended) return;
    this.#playing = true;
    clearTimeout(this.#connectTimer);
    const codecs: Codec[] = [];
    if (this.#video) codecs.push('h264');
    if (this.#audio) codecs.push('opus');
    // From the cache: the frames since the last keyframe come at once, so the picture starts now.
    const reader = this.#stream.addReader({ label: 'webrtc-viewer', codecs, fromCache: true, limits: READER_LIMITS });
    this.#reader = reader;
    this.#videoTrack = reader.tracks.video;
    if (reader.closed) return this.#onReaderClose(reader.end ?? { code: 'closed' });
    reader.on('tracks', (tracks) => this.#onTracks(tracks));
    reader.on('close', (end) => this.#onReaderClose(end));
    this.#log.info({ video: reader.tracks.video?.codec ?? 'none', audio: reader.tracks.audio?.codec ?? 'none' }, 'viewer started');
    // The cached GOP did not fit the reader (or there is none yet): the next keyframe is the start.
    if (reader.tracks.video && reader.stats.queuedFrames === 0) this.#requestKeyframe('viewer start');
    reader.start((frames) => this.#send(frames));
    this.#events.onPlaying();
  }

  #onTracks(tracks: ReaderTracks): void {
    if (tracks.video === this.#videoTrack) return;
    // A new video track starts anew: its frames before a keyframe cannot be decoded.
    this.#videoTrack = tracks.video;
    this.#awaitingKeyframe = true;
    if (tracks.video) this.#requestKeyframe('viewer track change');
  }

  #onReaderClose(end: ReaderEnd): void {
    if (end.code === 'stream-ended') this.stop(end.reason);
    else if (end.code === 'failed') this.stop(EndReasons.failure(StreamStatusInfo.FAILED_BY_ERROR));
  }

  #send(frames: readonly Frame[]): void {
    for (const frame of frames) {
      if (frame.track.kind === 'video') this.#sendVideo(frame);
      else this.#sendAudio(frame);
    }
  }

  #sendVideo(frame: Frame): void {
    const writer = this.#video;
    if (!writer) return;
    if (this.#awaitingKeyframe && !frame.keyframe) {
      this.#skippedFrames++;
      return;
    }
    this.#awaitingKeyframe = false;
    const params = frame.track.params?.codec === 'h264' ? frame.track.params : undefined;
    writer.startFrame(frame);
    try {
      this.#packetizer.packetize(frame.data, frame.keyframe, params, writer.send);
    } catch (err) {
      if (!(err instanceof H264FormatError)) throw err;
      // Nothing of it was sent; what follows refers to it, so wait for the next keyframe.
      this.#log.warn({ err }, 'malformed H.264 access unit not sent');
      this.#skippedFrames++;
      this.#awaitingKeyframe = true;
      this.#requestKeyframe('viewer malformed frame');
      return;
    }
    this.#framesSent++;
  }

  #sendAudio(frame: Frame): void {
    const writer = this.#audio;
    if (!writer) return;
    writer.startFrame(frame);
    writer.send(frame.data, false);
    this.#framesSent++;
  }

  /** Asks the publisher for a keyframe unless this viewer did less than a second ago. */
  #requestKeyframe(reason: string): void {
    const now = performance.now();
    if (now - this.#lastKeyframeRequestAt < KEYFRAME_REQUEST_SPACING_MS) return;
    this.#lastKeyframeRequestAt = now;
    this.#stream.requestKeyframe(reason);
  }
}
