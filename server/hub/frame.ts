import type { Track } from './track';

/**
 * The unit of media that flows through the hub: one access unit of one track.
 *
 * The clock rule, the same whatever ingest made the stream:
 * - `pts` and `dts` are integers in the track's units (`track.timescale` per second) on the
 *   stream's clock, which all tracks of a stream share: frames of two tracks whose times in seconds
 *   are equal are presented together. The clock's origin is arbitrary; readers rebase it.
 * - Each ingest puts its tracks on that clock: RTMP by its message timestamps (one ms clock for
 *   both tracks); WebRTC by the RTCP sender reports of each track (the sender's NTP clock), and
 *   until two of a track's reports agree by the packets' arrival. The video track moves onto the
 *   sender's clock without a step; the audio track then steps once, by a few tens of ms, and
 *   either steps again only if the sender's RTP clock steps against its NTP clock
 *   (webrtc/rtp-clock.ts); readers treat a step like any discontinuity.
 * - Within a track, `dts` never decreases (apart from those steps).
 * - `wallClock` is the Unix time of the frame on the sender's clock when a sender report told it,
 *   else its arrival on the gateway's clock: for recordings and cross-stream alignment, never for
 *   A/V sync within a stream.
 */
export interface Frame {
  readonly track: Track;
  /** Presentation time, track units (integer). */
  readonly pts: number;
  /** Decode time, track units (integer); equal to pts unless the source uses B-frames. */
  readonly dts: number;
  /** A decoder may start here: an IDR for H.264; every audio frame. */
  readonly keyframe: boolean;
  /** H.264: NAL units each prefixed by a 4-byte big-endian length (AVCC). AAC: one raw frame. Opus: one packet. */
  readonly data: Buffer;
  /** Unix time of the frame, ms (see the clock rule). */
  readonly wallClock: number;
  /**
   * `performance.now()` at the arrival of the frame's first byte, ms: sinks measure the latency
   * they add from it. Undefined for frames the gateway makes up (silence, a repeated picture).
   */
  readonly receivedAt: number | undefined;
}

/** A frame's decode time in milliseconds (fractional). */
export function dtsMs(frame: Frame): number {
  return (frame.dts * 1000) / frame.track.timescale;
}

/** A frame's presentation time in milliseconds (fractional). */
export function ptsMs(frame: Frame): number {
  return (frame.pts * 1000) / frame.track.timescale;
}

/** Milliseconds as units of a clock of `timescale` Hz, rounded to an integer. */
export function msToUnits(ms: number, timescale: number): number {
  return Math.round((ms * timescale) / 1000);
}
