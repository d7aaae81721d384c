import type { Frame } from '../hub/frame';
import type { ReaderTracks } from '../hub/reader';
import type { AacParams, H264Params, Track } from '../hub/track';
import { buildAvcDecoderConfig } from '../media/h264/avc-decoder-config';
import { buildAacRaw, buildAacSequenceHeader, buildAvcNalu, buildAvcSequenceHeader } from '../rtmp/protocol/flv';
import type { Payload } from '../rtmp/protocol/payload';
import { AudioHold } from './audio-hold';
import type { SinkHandlers, SinkInput } from './sink';

/** Where the muxer writes: an RTMP publish session or a player's message stream. */
export interface FlvOutput {
  /** Sends one video tag body at decode time `timestampMs`. */
  sendVideo(timestampMs: number, body: Payload): void;
  /** Sends one audio tag body at `timestampMs`. */
  sendAudio(timestampMs: number, body: Payload): void;
  /** Sends `@setDataFrame onMetaData` (or onMetaData to a player). */
  sendMetadata(metadata: StreamMetadata): void;
  /** Runs `sends` so that what they send leaves in one socket write. */
  batch(sends: () => void): void;
}

/** onMetaData properties describing the tracks (codec ids, size, audio format). */
export type StreamMetadata = Record<string, number | string | boolean>;

/** onMetaData for these tracks, as FLV players and RTMP servers expect it; `encoder` names the gateway. */
export function streamMetadata(video: H264Params | undefined, audio: AacParams | undefined): StreamMetadata {
  const meta: StreamMetadata = { encoder: 'webrtc-rtmp-gateway' };
  if (video) Object.assign(meta, { videocodecid: 7, width: video.width, height: video.height });
  if (audio) Object.assign(meta, { audiocodecid: 10, audiosamplerate: audio.sampleRate, audiosamplesize: 16, stereo: audio.channels > 1, audiochannels: audio.channels });
  return meta;
}

/** Told the time a frame spent in the gateway, from arrival to the socket, ms. */
export type FrameLatencyListener = (track: 'video' | 'audio', latencyMs: number) => void;

/**
 * Turns hub frames already placed on the output's timeline into FLV tag bodies, for pushes and
 * players alike: onMetaData first; an AVC or AAC sequence header before the first frame of a track
 * and again at the keyframe where its parameters change; integer ms timestamps, monotonic per
 * track; composition offsets (pts - dts) kept for B-frames. Audio of a stream with video waits for
 * the next video frame (at most AUDIO_HOLD_MS) so both leave in one socket write. Each batch of
 * frames is one write. Dropping (slow outputs) happens before, in the reader's queue.
 */
export class FlvMuxer {
  readonly #output: FlvOutput;
  readonly #onFrameWritten: FrameLatencyListener | undefined;
  readonly #heldAudio = new AudioHold<Frame>();
  #tracks: ReaderTracks = { video: undefined, audio: undefined };
  /** Parameters whose sequence header went out last, per track. */
  #videoParams: H264Params | undefined;
  #audioParams: AacParams | undefined;
  /** Parameters the last onMetaData described. */
  #announced: { video: H264Params | undefined; audio: AacParams | undefined } = { video: undefined, audio: undefined };
  #lastVideoTs = -Infinity;
  #lastAudioTs = -Infinity;
  /** Frames written. */
  framesSent = 0;
  /** Timestamp of the last frame written, ms (-1 before the first). */
  lastTimestamp = -1;

  constructor(output: FlvOutput, onFrameWritten?: FrameLatencyListener) {
    this.#output = output;
    this.#onFrameWritten = onFrameWritten;
  }

  /** Describes the tracks (onMetaData); call at start and when they change. */
  announce(tracks: ReaderTracks): void {
    this.#tracks = tracks;
    this.#announced = { video: h264Params(tracks.video), audio: aacParams(tracks.audio) };
    this.#output.sendMetadata(streamMetadata(this.#announced.video, this.#announced.audio));
  }

  /** Writes a batch of frames in one socket write. */
  write(frames: readonly Frame[]): void {
    this.#output.batch(() => {
      for (const frame of frames) {
        if (frame.track.kind === 'video') {
          this.#releaseAudio();
          this.#writeVideo(frame);
        } else if (this.#tracks.video === undefined) {
          this.#releaseAudio();
          this.#writeAudio(frame);
        } else if (this.#heldAudio.add(frame)) {
          this.#releaseAudio();
        }
      }
    });
  }

  /** Sends the audio still held (the session ends). */
  flush(): void {
    this.#output.batch(() => this.#releaseAudio());
  }

  #releaseAudio(): void {
    for (const frame of this.#heldAudio.take()) this.#writeAudio(frame);
  }

  #writeVideo(frame: Frame): void {
    const params = h264Params(frame.track);
    if (!params) return; // without its sequence header nothing is decodable
    // New parameters apply from the keyframe that carries them; frames before it still use the old ones.
    if (params !== this.#videoParams) {
      if (frame.keyframe) {
        if (params !== this.#announced.video) this.announce({ ...this.#tracks, video: frame.track });
        this.#videoParams = params;
        this.#output.sendVideo(this.#videoTs(frame), buildAvcSequenceHeader(buildAvcDecoderConfig(params.sps, params.pps)));
      } else if (this.#videoParams === undefined) {
        return;
      }
    }
    const ts = this.#videoTs(frame);
    const cts = Math.round(((frame.pts - frame.dts) * 1000) / frame.track.timescale);
    this.#output.sendVideo(ts, buildAvcNalu(frame.keyframe, frame.data, cts));
    this.#lastVideoTs = ts;
    this.#written(frame, 'video', ts);
  }

  #writeAudio(frame: Frame): void {
    const params = aacParams(frame.track);
    if (!params) return;
    const ts = Math.round((frame.dts * 1000) / frame.track.timescale);
    if (ts < this.#lastAudioTs) return;
    if (params !== this.#audioParams) {
      if (params !== this.#announced.audio) this.announce({ ...this.#tracks, audio: frame.track });
      this.#audioParams = params;
      this.#output.sendAudio(ts, buildAacSequenceHeader(params.config));
    }
    this.#output.sendAudio(ts, buildAacRaw(frame.data));
    this.#lastAudioTs = ts;
    this.#written(frame, 'audio', ts);
  }

  /** Decode time of a video frame in ms, never before the previous one. */
  #videoTs(frame: Frame): number {
    return Math.max(Math.round((frame.dts * 1000) / frame.track.timescale), this.#lastVideoTs);
  }

  #written(frame: Frame, kind: 'video' | 'audio', ts: number): void {
    this.framesSent++;
    if (ts > this.lastTimestamp) this.lastTimestamp = ts;
    if (frame.receivedAt !== undefined) this.#onFrameWritten?.(kind, performance.now() - frame.receivedAt);
  }
}

function h264Params(track: Track | undefined): H264Params | undefined {
  return track?.params?.codec === 'h264' ? track.params : undefined;
}

function aacParams(track: Track | undefined): AacParams | undefined {
  return track?.params?.codec === 'aac' ? track.params : undefined;
}

/**
 * Bytes an output's socket may hold before it stops taking frames: beyond it they wait in the
 * reader's queue, which drops whole GOPs when the peer stays too slow. Small, so a congested peer
 * never makes the gateway hold much more than that queue's limit.
 */
const SOCKET_HIGH_WATER_BYTES = 64 * 1024;

/**
 * What an FLV output (a push or a player) does with its input: frames go to the muxer, and the
 * input pauses while `pendingBytes()` is over the high-water mark (the caller resumes it on the
 * socket's 'drain'); new tracks are announced again.
 */
export function flvHandlers(muxer: FlvMuxer, input: SinkInput, pendingBytes: () => number): SinkHandlers {
  return {
    frames: (frames) => {
      muxer.write(frames);
      if (pendingBytes() > SOCKET_HIGH_WATER_BYTES) input.pause();
    },
    tracks: (tracks) => muxer.announce(tracks),
  };
}
