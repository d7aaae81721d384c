import type { HubStream } from '../hub/stream';
import type { Track } from '../hub/track';
import { opusPacketSamples } from '../media/opus/opus-packet';
import type { ReceivedRtp } from './received-rtp';
import type { RtpClock } from './rtp-clock';

/**
 * The audio track of a WebRTC publisher: Opus RTP packets become Opus frames of the stream's Opus
 * track, on the stream clock. Duplicate and late packets (whose time has already passed) are
 * dropped here, so the track's times only move forward; AAC is derived from it by the hub, once
 * per stream, while someone wants it.
 */
export class AudioIngest {
  readonly #stream: HubStream;
  readonly #track: Track;
  readonly #clock: RtpClock;
  /** Extended RTP timestamp just after the last packet written. */
  #next: number | undefined;
  /** Packets dropped as duplicate, late or unreadable. */
  droppedPackets = 0;

  constructor(stream: HubStream, track: Track, clock: RtpClock) {
    this.#stream = stream;
    this.#track = track;
    this.#clock = clock;
  }

  /** One RTP packet of the audio track (read during the call only; its payload is kept). */
  onRtp(rtp: ReceivedRtp): void {
    const receivedAt = performance.now();
    const extended = this.#clock.extend(rtp.header.timestamp);
    if (rtp.payload.length === 0 || (this.#next !== undefined && extended < this.#next)) {
      this.droppedPackets++;
      return;
    }
    let samples: number;
    try {
      samples = opusPacketSamples(rtp.payload);
    } catch {
      this.droppedPackets++;
      return;
    }
    this.#next = extended + samples;
    const pts = this.#clock.toUnits(extended, receivedAt);
    this.#stream.write({ track: this.#track, pts, dts: pts, keyframe: true, data: rtp.payload, wallClock: this.#clock.wallClock(pts), receivedAt });
  }
}
