import { BEEP_LEVEL_KEY, beepLevelsFilter, readMetadata } from './av-sync';
import { stallTimeoutArgs } from './ffmpeg-input';
import { run } from './processes';
import { readTimeCode, TIME_CODE_COLUMNS, TIME_CODE_HEIGHT, TIME_CODE_ROWS, TIME_CODE_TOP, unwrapTimeCode } from './time-code';

/** One picture the decoder put out. */
export interface DecodedVideoFrame {
  /** Presentation time, s, on the recording's clock (ffmpeg starts the input near 0, audio and video alike). */
  readonly pts: number;
  /** The decoder flagged the picture as a keyframe. */
  readonly keyframe: boolean;
  /** Mean luma, 0..255 (a flash is above 128). */
  readonly luma: number;
  /**
   * When the page drew the picture, ms since the epoch, from its time code (time-code.ts);
   * undefined when the code is unreadable: a damaged picture, or a stream without a time code.
   */
  readonly drawnAtMs: number | undefined;
}

/** What `recordStream` decoded: every video frame, the audio level over time and ffmpeg's complaints. */
export interface StreamRecording {
  readonly frames: readonly DecodedVideoFrame[];
  /** `[pts s, RMS level dBFS]` of each 5 ms of audio. */
  readonly audioLevels: ReadonlyArray<readonly [number, number]>;
  /** ffmpeg's log lines at level error or worse: decode errors, and any demuxer or network error. */
  readonly errors: readonly string[];
}

/** Bytes of one frame's time code as ffmpeg writes it: the strip scaled to one gray pixel per cell. */
const CELLS = TIME_CODE_COLUMNS * TIME_CODE_ROWS;
/** Time past `seconds` allowed for connecting and probing, ms. */
const START_ALLOWANCE_MS = 20_000;

/**
 * Reads `seconds` of `url` (an RTMP URL or a file; `-t` on the input) in real time with ffmpeg,
 * decoding every frame: `showinfo` logs each picture's timestamp, keyframe flag and mean luma; the
 * time-code strip is scaled to 20×2 gray pixels per picture and written out raw, one record per
 * picture (none duplicated or dropped: `-fps_mode passthrough`); the audio's level is logged every 5 ms. Bounded
 * by `seconds` + 20 s; a source that stalls for 5 s ends the read. Rejects if ffmpeg fails before
 * decoding any picture.
 */
export async function recordStream(url: string, seconds: number): Promise<StreamRecording> {
  const timeoutMs = seconds * 1000 + START_ALLOWANCE_MS;
  const strip = `crop=w=iw:h=ih*${TIME_CODE_HEIGHT}:x=0:y=ih*${TIME_CODE_TOP}`;
  // After the measuring filters, the outputs' timestamps become counters (picture n at n s, sample n
  // at n/48000 s): muxers refuse a timestamp that does not increase (two pictures in the same
  // millisecond, RTMP's resolution) with an error line, and the raw muxer then drops the record.
  const graph = `[0:v]showinfo,setpts=N/TB,format=gray,${strip},scale=${TIME_CODE_COLUMNS}:${TIME_CODE_ROWS}:flags=area[code];` +
    `[0:a]${beepLevelsFilter()},asetpts=N/SR/TB[levels]`;
  const result = await run(
    'ffmpeg',
    [
      ...['-nostats', '-loglevel', 'level+info', ...stallTimeoutArgs(timeoutMs), '-t', String(seconds), '-i', url, '-filter_complex', graph],
      ...['-map', '[code]', '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1'],
      ...['-map', '[levels]', '-f', 'null', '-'],
    ],
    { timeoutMs },
  );
  const recording = parseRecording(result.stderr, result.stdout, Date.now());
  if (result.code !== 0 && recording.frames.length === 0) {
    throw new Error(`ffmpeg could not read ${url} (exit ${result.code ?? result.signal}): ${recording.errors.join(' | ') || result.stderr.slice(-500)}`);
  }
  return recording;
}

/**
 * Builds a recording from ffmpeg's log (`-loglevel level+info`) and the raw time-code records, one
 * per logged picture, in order. `nowMs` places the 32-bit time codes on the full wall clock.
 * Pictures beyond the raw records (none, unless ffmpeg was cut short) are left out.
 */
export function parseRecording(log: string, timeCodes: Buffer, nowMs: number): StreamRecording {
  const frames: DecodedVideoFrame[] = [];
  const levelLines: string[] = [];
  const errors: string[] = [];
  for (const line of log.split('\n')) {
    const level = /\[(error|fatal|panic)\]/.exec(line);
    if (level) {
      errors.push(line.trim());
      continue;
    }
    const picture = /^\[Parsed_showinfo_\d+ @ [^\]]+\] \[info\] n:\s*\d+ pts:\s*-?\d+ pts_time:(\S+)\s.*\biskey:(\d)\b.*\bmean:\[(\d+)/.exec(line);
    if (picture) {
      const index = frames.length;
      if ((index + 1) * CELLS > timeCodes.length) continue;
      const code = readTimeCode(timeCodes.subarray(index * CELLS, (index + 1) * CELLS));
      frames.push({ pts: Number(picture[1]), keyframe: picture[2] === '1', luma: Number(picture[3]), drawnAtMs: code === undefined ? undefined : unwrapTimeCode(code, nowMs) });
      continue;
    }
    const metadata = /^\[Parsed_ametadata_\d+ @ [^\]]+\] \[info\] (.*)$/.exec(line);
    if (metadata) levelLines.push(metadata[1]!);
  }
  return { frames, audioLevels: readMetadata(levelLines.join('\n'), BEEP_LEVEL_KEY), errors };
}
