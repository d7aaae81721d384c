import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** The pre-encoded media every bench publisher (and the fan-out phase's source) sends, made by ffmpeg at bench time. */
export interface ClipFiles {
  /** Temporary directory holding the files; `removeClip` deletes it. */
  readonly dir: string;
  /** H.264 constrained baseline 1280x720, 30 fps, one IDR per second, Annex B with access unit delimiters. */
  readonly h264Path: string;
  /**
   * Opus 48 kHz mono in Ogg, 20 ms packets: what Chromium sends when the answer does not ask for
   * stereo, as the publishers' offer (Chromium's fmtp) and so the gateway's answer do not.
   */
  readonly opusPath: string;
  /** The same tone in AAC-LC 48 kHz stereo, ADTS: what the fan-out phase publishes straight into the hub. */
  readonly aacPath: string;
  /** Duration, s. */
  readonly seconds: number;
}

/** What to encode. */
export interface ClipOptions {
  /** Duration, s (the publishers loop it). */
  readonly seconds: number;
  /** Video bitrate, kbit/s (default 2500). */
  readonly videoKbps?: number;
  /** ffmpeg binary (default 'ffmpeg' on PATH). */
  readonly ffmpegPath?: string;
}

/** Longest an encode may take, ms (ultrafast 720p runs at ~7× real time on one core). */
const ENCODE_TIMEOUT_MS = 60_000;
/** Frame rate of the clip's video, frames/s. */
export const CLIP_FPS = 30;
const OPUS_KBPS = 64;
/** The gateway's default AAC bitrate (aac_bitrate), kbit/s. */
const AAC_KBPS = 128;

/**
 * Encodes the clip into a new temporary directory. The picture is testsrc2 with temporal noise,
 * so x264 really needs the whole bitrate (a clean test pattern would use a tenth of it); the GOP
 * is fixed at 1 s because a pre-encoded clip cannot answer a PLI with a fresh keyframe.
 */
export async function makeClip(options: ClipOptions): Promise<ClipFiles> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gateway-bench-clip-'));
  const h264Path = path.join(dir, 'video.h264');
  const opusPath = path.join(dir, 'audio.ogg');
  const aacPath = path.join(dir, 'audio.aac');
  const kbps = options.videoKbps ?? 2500;
  const seconds = String(options.seconds);
  const ffmpeg = (args: string[]) =>
    promisify(execFile)(options.ffmpegPath ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { timeout: ENCODE_TIMEOUT_MS });
  try {
    await Promise.all([
      ffmpeg([
        '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${CLIP_FPS}`, '-t', seconds,
        '-vf', 'noise=alls=14:allf=t', '-pix_fmt', 'yuv420p',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-level', '3.1',
        '-g', String(CLIP_FPS), '-keyint_min', String(CLIP_FPS), '-sc_threshold', '0', '-bf', '0',
        '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps / 2}k`,
        '-x264-params', 'aud=1', '-f', 'h264', h264Path,
      ]),
      ffmpeg([
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', seconds, '-ac', '1',
        '-c:a', 'libopus', '-b:a', `${OPUS_KBPS}k`, '-frame_duration', '20', '-application', 'audio', '-f', 'ogg', opusPath,
      ]),
      ffmpeg([
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', seconds, '-ac', '2',
        '-c:a', 'aac', '-b:a', `${AAC_KBPS}k`, '-f', 'adts', aacPath,
      ]),
    ]);
  } catch (err) {
    await removeClip({ dir });
    throw err;
  }
  return { dir, h264Path, opusPath, aacPath, seconds: options.seconds };
}

/** Deletes the clip's directory. */
export async function removeClip(clip: Pick<ClipFiles, 'dir'>): Promise<void> {
  await rm(clip.dir, { recursive: true, force: true });
}
