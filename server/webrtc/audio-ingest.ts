import type { HubStream } from '../hub/stream';
import type { Track } from '../hub/track';
import { opusPacketSamples } from '../media/opus/opus-packet';
import type { ReceivedRtp } from './received-rtp';
import type { RtpClock } from './rtp-clock';

/**
 * The audio track of a WebRTC publisher: Opus RTP packets become Opus frames of the stream's Opus
 * track, on the stream clock. Duplicate and late packets (whose time has already passed) are
 * dropped here, so the track's times only move forward; AAC is derived from it by the hub, once
 * per stream, while someone wants it. The track's channel count starts as negotiated and becomes 2
 * at the first stereo packet (a page that asks for stereo by editing the answer, as the stock SDK's
 * sdpHook does, sends stereo that the SDP the gateway saw does not announce); it never goes back,
 * since encoders send mono packets of a stereo stream when the sound is mono.
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
    // The TOC byte's s bit (RFC 6716, 3.1): this packet is stereo.
    if ((rtp.payload[0]! & 0x04) !== 0 && this.#track.params?.codec === 'opus' && this.#track.params.channels !== 2) {
      this.#stream.setParams(this.#track, { codec: 'opus', channels: 2 });
    }
    this.#next = extended + samples;
    const pts = this.#clock.toUnits(extended, receivedAt);
    this.#stream.write({ track: this.#track, pts, dts: pts, keyframe: true, data: rtp.payload, wallClock: this.#clock.wallClock(pts), receivedAt });
  }
}
