import { stallTimeoutArgs } from './ffmpeg-input';
import { runOrThrow } from './processes';

/** The video stream as ffprobe decodes it. */
export interface ProbedVideoStream {
  /** ffprobe's codec_name, e.g. 'h264'. */
  readonly codec: string;
  /** Pixels. */
  readonly width: number;
  /** Pixels. */
  readonly height: number;
  /** e.g. 'Constrained Baseline', 'High'; undefined if ffprobe reports none. */
  readonly profile: string | undefined;
  /** e.g. 'yuv420p'; undefined if ffprobe could not decode a frame. */
  readonly pixFmt: string | undefined;
}

/** The audio stream as ffprobe decodes it. */
export interface ProbedAudioStream {
  /** ffprobe's codec_name, e.g. 'aac'. */
  readonly codec: string;
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
}

/** The first video and the first audio stream of a source; absent when the source has none. */
export interface ProbedStreams {
  readonly video?: ProbedVideoStream;
  readonly audio?: ProbedAudioStream;
}

/** Timing of one video frame (one FLV video packet). */
export interface ProbedVideoFrame {
  /** Presentation time, seconds, on the source's clock (not rebased to 0). */
  readonly pts: number;
  /** The packet is flagged as a keyframe (FLV frame type 1). */
  readonly keyframe: boolean;
}

/** Timing of one audio frame (one FLV audio packet, 1024 samples for AAC-LC). */
export interface ProbedAudioFrame {
  /** Presentation time, seconds, on the source's clock. */
  readonly pts: number;
}

/** Frames of each kind in the order the source delivered them (decode order). */
export interface ProbedFrames {
  readonly video: ProbedVideoFrame[];
  readonly audio: ProbedAudioFrame[];
}

/** Stable codes of `ProbeError`. */
export type ProbeErrorCode = 'OUTPUT_INVALID' | 'NO_VIDEO_FRAMES';

/** ffprobe's output was not what was asked for, or there was nothing to measure. */
export class ProbeError extends Error {
  constructor(
    readonly code: ProbeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

/**
 * Reads codec, resolution and audio format of `url` (rtmp:// URL or file path) with
 * `ffprobe -show_streams`. `timeoutMs` (default 10000) bounds the whole probe.
 */
export async function probeStreams(url: string, options: { timeoutMs?: number } = {}): Promise<ProbedStreams> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { stdout } = await runOrThrow('ffprobe', [...inputArgs(timeoutMs), '-show_streams', '-of', 'json', url], { timeoutMs });
  const streams = arrayField(parseJson(stdout), 'streams');
  const video = streams.find((s) => optionalString(s, 'codec_type') === 'video');
  const audio = streams.find((s) => optionalString(s, 'codec_type') === 'audio');
  return {
    ...(video && {
      video: {
        codec: stringField(video, 'codec_name'),
        width: numberField(video, 'width'),
        height: numberField(video, 'height'),
        profile: optionalString(video, 'profile'),
        pixFmt: optionalString(video, 'pix_fmt'),
      },
    }),
    ...(audio && {
      audio: {
        codec: stringField(audio, 'codec_name'),
        sampleRate: Number(stringField(audio, 'sample_rate')),
        channels: numberField(audio, 'channels'),
      },
    }),
  };
}

/**
 * Lists the frames of the first `seconds` (of media time) of `url`. Reads packets, not decoded
 * frames: that is cheaper, and the decoder silently drops everything before the first keyframe, which
 * would make `startsOnKeyframe` always true. Keyframe flags are the FLV frame-type bit the sender set.
 * `timeoutMs` defaults to `seconds` + 10 s.
 */
export async function probeFrames(url: string, options: { seconds: number; timeoutMs?: number }): Promise<ProbedFrames> {
  const timeoutMs = options.timeoutMs ?? options.seconds * 1000 + 10_000;
  const args = [
    ...inputArgs(timeoutMs),
    '-read_intervals',
    `%+${options.seconds}`,
    '-show_entries',
    'packet=codec_type,pts_time,dts_time,flags',
    '-of',
    'json',
    url,
  ];
  const { stdout } = await runOrThrow('ffprobe', args, { timeoutMs });
  const frames: ProbedFrames = { video: [], audio: [] };
  for (const packet of arrayField(parseJson(stdout), 'packets')) {
    const kind = optionalString(packet, 'codec_type');
    // Without B-frames pts equals dts; a packet lacking pts still has its dts.
    const pts = Number(optionalString(packet, 'pts_time') ?? stringField(packet, 'dts_time'));
    if (kind === 'video') frames.video.push({ pts, keyframe: stringField(packet, 'flags').includes('K') });
    if (kind === 'audio') frames.audio.push({ pts });
  }
  return frames;
}

/**
 * Longest stretch without a keyframe, seconds: from the first frame to the first keyframe, between
 * consecutive keyframes, and from the last keyframe to the last frame (a lower bound for that GOP).
 * Infinity if no frame is a keyframe; throws ProbeError 'NO_VIDEO_FRAMES' for an empty list.
 */
export function maxKeyframeGap(videoFrames: readonly ProbedVideoFrame[]): number {
  const first = videoFrames[0];
  const last = videoFrames[videoFrames.length - 1];
  if (first === undefined || last === undefined) throw new ProbeError('NO_VIDEO_FRAMES', 'no video frames to measure');
  const keyframePts = videoFrames.filter((f) => f.keyframe).map((f) => f.pts);
  if (keyframePts.length === 0) return Infinity;
  const boundaries = [first.pts, ...keyframePts, last.pts];
  let maxGap = 0;
  for (let i = 1; i < boundaries.length; i++) maxGap = Math.max(maxGap, boundaries[i]! - boundaries[i - 1]!);
  return maxGap;
}

/** True if the first video frame delivered is a keyframe; throws ProbeError 'NO_VIDEO_FRAMES' for an empty list. */
export function startsOnKeyframe(videoFrames: readonly ProbedVideoFrame[]): boolean {
  const first = videoFrames[0];
  if (first === undefined) throw new ProbeError('NO_VIDEO_FRAMES', 'no video frames to inspect');
  return first.keyframe;
}

/** Input options shared by every probe: quiet, and fail when the source stalls. */
function inputArgs(timeoutMs: number): string[] {
  return ['-v', 'error', ...stallTimeoutArgs(timeoutMs)];
}

type JsonObject = { readonly [key: string]: unknown };

function parseJson(stdout: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.toString('utf8'));
  } catch {
    throw new ProbeError('OUTPUT_INVALID', `ffprobe printed no valid JSON: ${stdout.toString('utf8', 0, 200)}`);
  }
  return asObject(parsed, 'ffprobe output');
}

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProbeError('OUTPUT_INVALID', `${what} is not a JSON object`);
  }
  return value as JsonObject;
}

/** ffprobe omits an empty section entirely, so a missing array reads as empty. */
function arrayField(obj: JsonObject, key: string): JsonObject[] {
  const value = obj[key] ?? [];
  if (!Array.isArray(value)) throw new ProbeError('OUTPUT_INVALID', `ffprobe field '${key}' is not an array`);
  return value.map((item: unknown) => asObject(item, `an entry of '${key}'`));
}

function optionalString(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

function stringField(obj: JsonObject, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ProbeError('OUTPUT_INVALID', `ffprobe field '${key}' is missing or not a string`);
  return value;
}

function numberField(obj: JsonObject, key: string): number {
  const value = obj[key];
  if (typeof value !== 'number') throw new ProbeError('OUTPUT_INVALID', `ffprobe field '${key}' is missing or not a number`);
  return value;
}
