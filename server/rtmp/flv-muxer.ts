import type { AudioTrackInfo, VideoFrame, VideoTrackInfo } from '../hub/frame';
import { buildAvcDecoderConfig } from '../media/h264/avc-decoder-config';
import { buildAacRaw, buildAacSequenceHeader, buildAvcNalu, buildAvcSequenceHeader } from './protocol/flv';
import type { Payload } from './protocol/payload';

/** Where the muxer writes FLV tag bodies: an RTMP publish session or a player's stream. */
export interface FlvMuxerOutput {
  /** Sends one video tag body at decode time `timestampMs`. */
  sendVideo(timestampMs: number, body: Payload): void;
  /** Sends one audio tag body at `timestampMs`. */
  sendAudio(timestampMs: number, body: Payload): void;
  /**
   * How full the output's send queue is, as a fraction of what it may hold: above 1 the muxer
   * drops frames until a keyframe finds it at 0.5 or below, so whole GOPs go and decoding never breaks.
   */
  backlog(): number;
}

/** onMetaData properties describing the tracks (codec ids, size, audio format). */
export type StreamMetadata = Record<string, number | string | boolean>;

/** onMetaData for these tracks, as FLV players and RTMP servers expect it; `encoder` names the gateway. */
export function streamMetadata(video: VideoTrackInfo | undefined, audio: AudioTrackInfo | undefined): StreamMetadata {
  const meta: StreamMetadata = { encoder: 'webrtc-rtmp-gateway' };
  if (video) Object.assign(meta, { videocodecid: 7, width: video.width, height: video.height });
  if (audio) Object.assign(meta, { audiocodecid: 10, audiosamplerate: audio.sampleRate, audiosamplesize: 16, stereo: audio.channels > 1, audiochannels: audio.channels });
  return meta;
}

/**
 * Turns hub frames, already placed on the output's timeline, into FLV tag bodies: sequence headers
 * before the first frame that needs them, a start on a keyframe, per-track monotonic timestamps,
 * composition time offsets (pts - dts) kept for B-frames, and whole-GOP drops while the output
 * is congested (see {@link FlvMuxerOutput.backlog}). Shared by pushes and RTMP players.
 */
export class FlvMuxer {
  readonly #output: FlvMuxerOutput;
  #videoHeader: Buffer | undefined;
  #audioHeader: Buffer | undefined;
  #videoHeaderSent = false;
  #audioHeaderSent = false;
  #waitingForKeyframe = true;
  #lastVideoTs = -Infinity;
  #lastAudioTs = -Infinity;
  /** Frames dropped because the output was congested or no keyframe had come yet. */
  droppedFrames = 0;
  /** Timestamp of the last frame written, ms (-1 before the first). */
  lastTimestamp = -1;

  constructor(output: FlvMuxerOutput) {
    this.#output = output;
  }

  /** Sets the video parameters; the AVC sequence header goes out before the next keyframe. */
  setVideoInfo(info: VideoTrackInfo): void {
    this.#videoHeader = buildAvcSequenceHeader(buildAvcDecoderConfig(info.sps, info.pps));
    this.#videoHeaderSent = false;
    this.#waitingForKeyframe = true;
  }

  /** Sets the audio parameters; the AAC sequence header goes out before the next audio frame. */
  setAudioInfo(info: AudioTrackInfo): void {
    this.#audioHeader = buildAacSequenceHeader(info.config);
    this.#audioHeaderSent = false;
  }

  /** Writes a video frame at output time `ts` (its decode time), ms; returns false when it was dropped. */
  writeVideo(ts: number, frame: VideoFrame): boolean {
    if (this.#output.backlog() > 1) this.#waitingForKeyframe = true;
    if (this.#waitingForKeyframe) {
      if (!frame.keyframe || this.#output.backlog() > 0.5) {
        this.droppedFrames++;
        return false;
      }
      this.#waitingForKeyframe = false;
    }
    ts = Math.max(ts, this.#lastVideoTs);
    if (!this.#videoHeaderSent && this.#videoHeader) {
      this.#output.sendVideo(ts, this.#videoHeader);
      this.#videoHeaderSent = true;
    }
    this.#output.sendVideo(ts, buildAvcNalu(frame.keyframe, frame.data, Math.round(frame.pts - frame.dts)));
    this.#lastVideoTs = ts;
    this.lastTimestamp = Math.max(this.lastTimestamp, ts);
    return true;
  }

  /**
   * Writes a raw AAC frame at output time `ts`, ms; returns false when it was dropped.
   * While video waits for a keyframe, audio waits too (players start both tracks together).
   */
  writeAudio(ts: number, aac: Buffer, streamHasVideo: boolean): boolean {
    if ((streamHasVideo && this.#waitingForKeyframe) || this.#output.backlog() > 1) {
      this.droppedFrames++;
      return false;
    }
    if (ts < this.#lastAudioTs) return false;
    if (!this.#audioHeaderSent && this.#audioHeader) {
      this.#output.sendAudio(ts, this.#audioHeader);
      this.#audioHeaderSent = true;
    }
    this.#output.sendAudio(ts, buildAacRaw(aac));
    this.#lastAudioTs = ts;
    this.lastTimestamp = Math.max(this.lastTimestamp, ts);
    return true;
  }
}
