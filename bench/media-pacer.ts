import { AUDIO_PACKET_MS, AUDIO_PACKET_TICKS, type ClipMedia, VIDEO_FRAME_MS, VIDEO_FRAME_TICKS } from './clip-media';
import { buildFrameMarker } from './frame-marker';
import type { PublisherPeer } from './publisher-peer';
import type { PublishersStats } from './publisher-messages';

/** One publisher's position in the looping clip. */
interface Schedule {
  readonly peer: PublisherPeer;
  /** performance.now() of frame 0 and packet 0, ms. */
  readonly startedAt: number;
  readonly videoBase: number;
  readonly audioBase: number;
  frames: number;
  audioPackets: number;
}

/**
 * Sends the clip in real time on every publisher: video frame k at start + k·33.3 ms, Opus packet
 * j at start + j·20 ms, looping the clip with RTP timestamps that keep increasing. All packets of
 * a frame leave together, as a browser without pacing would send them. One timer drives every
 * publisher, woken at the earliest due time.
 */
export class MediaPacer {
  readonly #media: ClipMedia;
  readonly #schedules: Schedule[] = [];
  #timer: NodeJS.Timeout | undefined;
  #maxLagMs = 0;
  /** The longest lag since the last takeLag(), ms. */
  #recentLagMs = 0;
  #stopped = false;

  constructor(media: ClipMedia) {
    this.#media = media;
  }

  /** Starts sending the clip from its first (key) frame on `peer`. */
  add(peer: PublisherPeer): void {
    this.#schedules.push({ peer, startedAt: performance.now(), videoBase: randomUint32(), audioBase: randomUint32(), frames: 0, audioPackets: 0 });
    this.#wake();
  }

  /** The longest the pacer ran behind schedule since the previous call, ms (a window's, not the connections'). */
  takeLag(): number {
    const lag = this.#recentLagMs;
    this.#recentLagMs = 0;
    return Math.round(lag);
  }

  /** Stops sending; returns the totals. */
  stop(): PublishersStats {
    this.#stopped = true;
    clearTimeout(this.#timer);
    let framesSent = 0;
    let audioPacketsSent = 0;
    let packetsSent = 0;
    let retransmissionsSent = 0;
    let retransmissionsUnavailable = 0;
    for (const s of this.#schedules) {
      framesSent += s.frames;
      audioPacketsSent += s.audioPackets;
      packetsSent += s.peer.packetsSent;
      retransmissionsSent += s.peer.retransmissions.sent;
      retransmissionsUnavailable += s.peer.retransmissions.unavailable;
    }
    return { framesSent, audioPacketsSent, packetsSent, retransmissionsSent, retransmissionsUnavailable, maxPacerLagMs: Math.round(this.#maxLagMs) };
  }

  #wake(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    let nextDue = Infinity;
    for (const s of this.#schedules) nextDue = Math.min(nextDue, this.#videoDue(s), this.#audioDue(s));
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, nextDue - performance.now()));
  }

  #tick(): void {
    const now = performance.now();
    const { video, audio } = this.#media;
    for (const s of this.#schedules) {
      for (let due = this.#videoDue(s); due <= now; due = this.#videoDue(s)) {
        this.#maxLagMs = Math.max(this.#maxLagMs, now - due);
        this.#recentLagMs = Math.max(this.#recentLagMs, now - due);
        const marker = buildFrameMarker({ sequence: s.frames, sentAtMs: performance.timeOrigin + performance.now() });
        s.peer.sendVideoFrame(video[s.frames % video.length]!, (s.videoBase + s.frames * VIDEO_FRAME_TICKS) >>> 0, marker);
        s.frames++;
      }
      for (let due = this.#audioDue(s); due <= now; due = this.#audioDue(s)) {
        s.peer.sendAudioPacket(audio[s.audioPackets % audio.length]!, (s.audioBase + s.audioPackets * AUDIO_PACKET_TICKS) >>> 0);
        s.audioPackets++;
      }
    }
    this.#wake();
  }

  #videoDue(s: Schedule): number {
    return s.startedAt + s.frames * VIDEO_FRAME_MS;
  }

  #audioDue(s: Schedule): number {
    return s.startedAt + s.audioPackets * AUDIO_PACKET_MS;
  }
}

function randomUint32(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
