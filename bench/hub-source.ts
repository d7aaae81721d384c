import { EndReasons, type EndReason } from '../server/hub/end-reason';
import { msToUnits } from '../server/hub/frame';
import type { HubStream } from '../server/hub/stream';
import type { LocalPaths } from '../server/paths/local-paths';
import { buildAudioSpecificConfig } from '../server/media/aac/audio-specific-config';
import { joinAvcc } from '../server/media/h264/nal';
import { parseSps } from '../server/media/h264/sps';
import { AAC_FRAME_SAMPLES, loadClipFrames, type ClipFrameFiles, type ClipFrames } from './clip-frames';
import { buildFrameMarker } from './frame-marker';

/** Spacing of the pacing timer, ms: every frame due by then is written. */
const TICK_MS = 10;
const VIDEO_TIMESCALE = 90_000;

/**
 * A stream published straight into a gateway's hub from a pre-encoded H.264 + AAC clip, paced in
 * real time and looped with continuous timestamps: no WebRTC receive path and no transcoder, so
 * what it costs its process does not change with the number of readers. Every picture carries the
 * bench's frame marker (sequence number, send time), so a CountingRtmpSink counts what is lost.
 */
export class HubSource {
  readonly #clip: ClipFrames;
  readonly #fps: number;
  #timer: NodeJS.Timeout | undefined;
  #stream: HubStream | undefined;

  private constructor(clip: ClipFrames, fps: number) {
    this.#clip = clip;
    this.#fps = fps;
  }

  /** Reads both files (whole, into memory): pictures of `fps` per second and AAC frames. */
  static async load(files: ClipFrameFiles, fps: number): Promise<HubSource> {
    return new HubSource(await loadClipFrames(files), fps);
  }

  /** Publishes the clip as `name`, in real time, looping: H.264 on a 90 kHz clock and AAC on its sample rate, as a WebRTC ingest does. */
  start(paths: LocalPaths, name: string): HubStream {
    const stream = paths.publish(name, { kind: 'rtmp', mediaSessionId: `file-${name}`, requestKeyframe: () => undefined });
    const { pictures, audio: audioFrames, sps, pps, audioFormat } = this.#clip;
    const { width, height } = parseSps(sps);
    const { objectType, sampleRate, channels } = audioFormat;
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: VIDEO_TIMESCALE, params: { codec: 'h264', sps, pps, width, height } });
    const audio = stream.addTrack({ kind: 'audio', codec: 'aac', timescale: sampleRate, params: { codec: 'aac', config: buildAudioSpecificConfig(objectType, sampleRate, channels), sampleRate, channels } });
    this.#stream = stream;
    const origin = performance.now();
    const frameMs = 1000 / this.#fps;
    const audioMs = (AAC_FRAME_SAMPLES / sampleRate) * 1000;
    let videoIndex = 0;
    let audioIndex = 0;
    this.#timer = setInterval(() => {
      const now = performance.now() - origin;
      while (videoIndex * frameMs <= now) {
        const picture = pictures[videoIndex % pictures.length]!;
        const marker = joinAvcc([buildFrameMarker({ sequence: videoIndex, sentAtMs: performance.timeOrigin + performance.now() })]);
        const pts = msToUnits(origin + videoIndex * frameMs, VIDEO_TIMESCALE);
        const data = Buffer.concat([picture.prefix, marker, picture.slice]);
        stream.write({ track: video, pts, dts: pts, keyframe: picture.keyframe, data, wallClock: Date.now(), receivedAt: performance.now() });
        videoIndex++;
      }
      while (audioIndex * audioMs <= now) {
        const pts = msToUnits(origin, sampleRate) + audioIndex * AAC_FRAME_SAMPLES;
        stream.write({ track: audio, pts, dts: pts, keyframe: true, data: audioFrames[audioIndex % audioFrames.length]!, wallClock: Date.now(), receivedAt: performance.now() });
        audioIndex++;
      }
    }, TICK_MS);
    return stream;
  }

  /** Ends the publish. */
  stop(reason: EndReason = EndReasons.publisherStop): void {
    clearInterval(this.#timer);
    this.#stream?.close(reason);
  }
}
