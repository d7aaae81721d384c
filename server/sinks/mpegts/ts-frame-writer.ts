import type { Frame } from '../../hub/frame';
import type { ReaderTracks } from '../../hub/reader';
import type { AacParams, H264Params, Track } from '../../hub/track';
import { TsMuxer } from '../../media/containers/mpegts/ts-muxer';
import { MediaFormatError } from '../../media/media-format-error';
import type { FrameLatencyListener } from '../flv-muxer';

/** MPEG-TS time units per second. */
const TS_CLOCK = 90_000;

/** Where the writer puts the packets of each frame, with the frame's time on the output timeline. */
export type TsPacketsOut = (packets: Buffer, mediaMs: number) => void;

/**
 * Hub frames already on the output's timeline → MPEG-TS packets: H.264 (its parameter sets before
 * every keyframe) and AAC (ADTS), times moved to the 90 kHz clock. Video waits for its first
 * keyframe with known parameters. A frame the muxer refuses (malformed input from a publisher) is
 * left out and counted; the stream goes on.
 */
export class TsFrameWriter {
  readonly #out: TsPacketsOut;
  readonly #onFrameWritten: FrameLatencyListener | undefined;
  #muxer: TsMuxer | undefined;
  /** The kinds the current muxer's program lists. */
  #program = { video: false, audio: false };
  #videoStarted = false;
  /** Frames written. */
  framesSent = 0;
  /** Frames the muxer refused. */
  refusedFrames = 0;
  /** The last refusal, for the log. */
  lastRefusal: string | undefined;

  constructor(out: TsPacketsOut, onFrameWritten?: FrameLatencyListener) {
    this.#out = out;
    this.#onFrameWritten = onFrameWritten;
  }

  /** The tracks to carry: a program with other kinds starts a new muxer (a new PMT). */
  tracks(tracks: ReaderTracks): void {
    const program = { video: tracks.video !== undefined, audio: tracks.audio !== undefined };
    if (this.#muxer && program.video === this.#program.video && program.audio === this.#program.audio) return;
    this.#program = program;
    this.#muxer = program.video || program.audio ? new TsMuxer(program) : undefined;
    this.#videoStarted = false;
  }

  write(frames: readonly Frame[]): void {
    for (const frame of frames) {
      const packets = this.#mux(frame);
      if (!packets) continue;
      this.#out(packets, (frame.dts * 1000) / frame.track.timescale);
      this.framesSent++;
      if (frame.receivedAt !== undefined) this.#onFrameWritten?.(frame.track.kind, performance.now() - frame.receivedAt);
    }
  }

  #mux(frame: Frame): Buffer | undefined {
    const muxer = this.#muxer;
    if (!muxer) return undefined;
    try {
      if (frame.track.kind === 'video') {
        const params = h264Params(frame.track);
        if (!params || !this.#program.video) return undefined;
        if (!this.#videoStarted && !frame.keyframe) return undefined;
        this.#videoStarted = true;
        return muxer.writeVideo({ data: frame.data, pts: toTsClock(frame.pts, frame.track), dts: toTsClock(frame.dts, frame.track), keyframe: frame.keyframe, sps: params.sps, pps: params.pps });
      }
      const params = aacParams(frame.track);
      if (!params || !this.#program.audio) return undefined;
      return muxer.writeAudio({ data: frame.data, pts: toTsClock(frame.pts, frame.track), config: params.config });
    } catch (err) {
      if (!(err instanceof MediaFormatError)) throw err;
      this.refusedFrames++;
      this.lastRefusal = err.message;
      return undefined;
    }
  }
}

function toTsClock(units: number, track: Track): number {
  return Math.round((units * TS_CLOCK) / track.timescale);
}

function h264Params(track: Track): H264Params | undefined {
  return track.params?.codec === 'h264' ? track.params : undefined;
}

function aacParams(track: Track): AacParams | undefined {
  return track.params?.codec === 'aac' ? track.params : undefined;
}
