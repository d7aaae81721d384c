import { readFile } from 'node:fs/promises';
import { EndReasons, type EndReason } from '../server/hub/end-reason';
import { msToUnits } from '../server/hub/frame';
import type { HubStream } from '../server/hub/stream';
import type { LocalPaths } from '../server/paths/local-paths';
import { AdtsParser } from '../server/media/aac/adts-parser';
import { buildAudioSpecificConfig } from '../server/media/aac/audio-specific-config';
import { joinAvcc, NalType, nalType, splitAnnexB } from '../server/media/h264/nal';
import { parseSps } from '../server/media/h264/sps';
import { buildFrameMarker } from './frame-marker';

/** The files a HubSource plays. */
export interface HubSourceFiles {
  /** H.264 Annex B, one slice per picture (x264 without sliced threads). */
  readonly h264Path: string;
  /** AAC in ADTS, 1024 samples per frame. */
  readonly aacPath: string;
}

/** Spacing of the pacing timer, ms: every frame due by then is written. */
const TICK_MS = 10;
const VIDEO_TIMESCALE = 90_000;
const AAC_FRAME_SAMPLES = 1024;

/** What the AAC frames are, from their ADTS headers. */
interface AudioFormat {
  readonly objectType: number;
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
}

/** One picture of the clip: the NAL units before its slice (SPS, PPS, SEI) and the slice, each in AVCC form. */
interface ClipPicture {
  readonly keyframe: boolean;
  readonly prefix: Buffer;
  readonly slice: Buffer;
}

/**
 * A stream published straight into a gateway's hub from a pre-encoded H.264 + AAC clip, paced in
 * real time and looped with continuous timestamps: no WebRTC receive path and no transcoder, so
 * what it costs its process does not change with the number of readers. Every picture carries the
 * bench's frame marker (sequence number, send time), so a CountingRtmpSink counts what is lost.
 */
export class HubSource {
  readonly #pictures: readonly ClipPicture[];
  readonly #audio: readonly Buffer[];
  readonly #sps: Buffer;
  readonly #pps: Buffer;
  readonly #audioFormat: AudioFormat;
  readonly #fps: number;
  #timer: NodeJS.Timeout | undefined;
  #stream: HubStream | undefined;

  private constructor(pictures: ClipPicture[], audio: Buffer[], sps: Buffer, pps: Buffer, audioFormat: AudioFormat, fps: number) {
    this.#pictures = pictures;
    this.#audio = audio;
    this.#sps = sps;
    this.#pps = pps;
    this.#audioFormat = audioFormat;
    this.#fps = fps;
  }

  /** Reads both files (whole, into memory) and splits them into pictures of `fps` per second and AAC frames. */
  static async load(files: HubSourceFiles, fps: number): Promise<HubSource> {
    const [h264, adts] = await Promise.all([readFile(files.h264Path), readFile(files.aacPath)]);
    const nals = splitAnnexB(h264);
    const sps = nals.find((n) => nalType(n) === NalType.SPS);
    const pps = nals.find((n) => nalType(n) === NalType.PPS);
    const pictures: ClipPicture[] = [];
    let pending: Buffer[] = [];
    for (const nal of nals) {
      const type = nalType(nal);
      if (type === NalType.AUD) continue; // RTMP has no use for them
      if (type !== NalType.IDR && type !== NalType.SLICE) {
        pending.push(nal);
        continue;
      }
      pictures.push({ keyframe: type === NalType.IDR, prefix: joinAvcc(pending), slice: joinAvcc([nal]) });
      pending = [];
    }
    const frames = new AdtsParser().push(adts);
    const first = frames[0];
    if (!sps || !pps || !pictures[0]?.keyframe || !first) throw new Error(`${files.h264Path} + ${files.aacPath}: need SPS, PPS, an IDR first and AAC frames`);
    const audio = frames.map((f) => Buffer.from(f.data));
    return new HubSource(pictures, audio, sps, pps, { objectType: first.objectType, sampleRate: first.sampleRate, channels: first.channels }, fps);
  }

  /** Publishes the clip as `name`, in real time, looping: H.264 on a 90 kHz clock and AAC on its sample rate, as a WebRTC ingest does. */
  start(paths: LocalPaths, name: string): HubStream {
    const stream = paths.publish(name, { kind: 'rtmp', mediaSessionId: `file-${name}`, requestKeyframe: () => undefined });
    const { width, height } = parseSps(this.#sps);
    const { objectType, sampleRate, channels } = this.#audioFormat;
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: VIDEO_TIMESCALE, params: { codec: 'h264', sps: this.#sps, pps: this.#pps, width, height } });
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
        const picture = this.#pictures[videoIndex % this.#pictures.length]!;
        const marker = joinAvcc([buildFrameMarker({ sequence: videoIndex, sentAtMs: performance.timeOrigin + performance.now() })]);
        const pts = msToUnits(origin + videoIndex * frameMs, VIDEO_TIMESCALE);
        const data = Buffer.concat([picture.prefix, marker, picture.slice]);
        stream.write({ track: video, pts, dts: pts, keyframe: picture.keyframe, data, wallClock: Date.now(), receivedAt: performance.now() });
        videoIndex++;
      }
      while (audioIndex * audioMs <= now) {
        const pts = msToUnits(origin, sampleRate) + audioIndex * AAC_FRAME_SAMPLES;
        stream.write({ track: audio, pts, dts: pts, keyframe: true, data: this.#audio[audioIndex % this.#audio.length]!, wallClock: Date.now(), receivedAt: performance.now() });
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
