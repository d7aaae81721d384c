import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EndReasons, type EndReason } from '../../server/hub/end-reason';
import { msToUnits } from '../../server/hub/frame';
import type { HubStream } from '../../server/hub/stream';
import type { LocalPaths } from '../../server/paths/local-paths';
import { AdtsParser } from '../../server/media/aac/adts-parser';
import { AAC_LC, buildAudioSpecificConfig } from '../../server/media/aac/audio-specific-config';
import { joinAvcc, NalType, nalType, splitAnnexB } from '../../server/media/h264/nal';
import { parseSps } from '../../server/media/h264/sps';
import { runOrThrow } from './processes';

/** What the clip looks like. */
export interface FileSourceOptions {
  width: number;
  height: number;
  fps: number;
  /** Video bitrate, kbit/s (noise content, so the encoder really spends it). */
  videoKbps: number;
  /** Clip length, s; the source loops it with continuous timestamps. */
  seconds: number;
}

interface ClipFrame {
  keyframe: boolean;
  data: Buffer;
}

/**
 * A stream published straight into a gateway's hub from a pre-encoded H.264 + AAC clip (made by
 * ffmpeg at test time), paced in real time. It stands in for a publisher where a browser cannot
 * produce the bitrate a test needs (e.g. to fill loopback socket buffers in seconds).
 */
export class FileSource {
  #timer: NodeJS.Timeout | undefined;
  #stream: HubStream | undefined;

  private constructor(
    private readonly video: ClipFrame[],
    private readonly audio: Buffer[],
    private readonly sps: Buffer,
    private readonly pps: Buffer,
    private readonly fps: number,
  ) {}

  /** Encodes the clip with ffmpeg (bounded) and splits it into frames. */
  static async create(options: FileSourceOptions): Promise<FileSource> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'file-source-'));
    try {
      const videoFile = path.join(dir, 'v.h264');
      const audioFile = path.join(dir, 'a.aac');
      const { width, height, fps, videoKbps, seconds } = options;
      await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `nullsrc=s=${width}x${height}:r=${fps},geq=random(1)*255:128:128`, '-t', String(seconds),
        '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', String(fps), '-bf', '0',
        '-b:v', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps}k`, '-f', 'h264', videoFile], { timeoutMs: 60_000 });
      await runOrThrow('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds), '-ac', '2', '-c:a', 'aac', '-f', 'adts', audioFile], { timeoutMs: 30_000 });
      const nals = splitAnnexB(await readFile(videoFile));
      const sps = nals.find((n) => nalType(n) === NalType.SPS)!;
      const pps = nals.find((n) => nalType(n) === NalType.PPS)!;
      const video: ClipFrame[] = [];
      let pending: Buffer[] = [];
      for (const nal of nals) {
        pending.push(nal);
        const type = nalType(nal);
        if (type === NalType.IDR || type === NalType.SLICE) {
          video.push({ keyframe: type === NalType.IDR, data: joinAvcc(pending) });
          pending = [];
        }
      }
      const audio = new AdtsParser().push(await readFile(audioFile)).map((f) => Buffer.from(f.data));
      return new FileSource(video, audio, sps, pps, fps);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Publishes the clip as `name`, in real time, looping: H.264 on a 90 kHz clock and AAC on a 48 kHz one, as a WebRTC ingest does. */
  start(paths: LocalPaths, name: string): HubStream {
    const stream = paths.publish(name, { kind: 'rtmp', mediaSessionId: `file-${name}`, requestKeyframe: () => undefined });
    const { width, height } = parseSps(this.sps);
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 90000, params: { codec: 'h264', sps: this.sps, pps: this.pps, width, height } });
    const audio = stream.addTrack({ kind: 'audio', codec: 'aac', timescale: 48000, params: { codec: 'aac', config: buildAudioSpecificConfig(AAC_LC, 48000, 2), sampleRate: 48000, channels: 2 } });
    this.#stream = stream;
    const origin = performance.now();
    const frameMs = 1000 / this.fps;
    const audioMs = (1024 / 48000) * 1000;
    let videoIndex = 0;
    let audioIndex = 0;
    this.#timer = setInterval(() => {
      const now = performance.now() - origin;
      while (videoIndex * frameMs <= now) {
        const frame = this.video[videoIndex % this.video.length]!;
        const pts = msToUnits(origin + videoIndex * frameMs, 90000);
        stream.write({ track: video, pts, dts: pts, keyframe: frame.keyframe, data: frame.data, wallClock: Date.now(), receivedAt: performance.now() });
        videoIndex++;
      }
      while (audioIndex * audioMs <= now) {
        const pts = msToUnits(origin, 48000) + audioIndex * 1024;
        stream.write({ track: audio, pts, dts: pts, keyframe: true, data: this.audio[audioIndex % this.audio.length]!, wallClock: Date.now(), receivedAt: performance.now() });
        audioIndex++;
      }
    }, 10);
    return stream;
  }

  /** Ends the publish. */
  stop(reason: EndReason = EndReasons.publisherStop): void {
    clearInterval(this.#timer);
    this.#stream?.close(reason);
  }
}
