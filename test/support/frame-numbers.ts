import { runOrThrow, spawnTracked, type TrackedProcess } from './processes';

/** Bits of the frame number drawn in each picture. */
const BITS = 16;
/** Width of one bit's block, pixels (320 / 16). */
const BIT_WIDTH = 20;
/** Height of the band of blocks at the top of the picture, pixels. */
const BAND_HEIGHT = 32;

/**
 * A lavfi video source (320x240) whose pictures carry their own frame number: the top band holds
 * 16 blocks, block i white when bit i of the number is set, black otherwise, large enough to
 * survive H.264. `readFrameNumbers` reads them back, so a test sees every lost or doubled frame.
 */
export function frameNumberSource(fps: number): string {
  return `color=c=gray:s=320x240:r=${fps},geq=lum='if(lt(Y\\,${BAND_HEIGHT})\\,255*mod(floor(N/pow(2\\,floor(X/${BIT_WIDTH})))\\,2)\\,128)':cb=128:cr=128`;
}

/** The frame number of every picture of `file`, in presentation order, as ffmpeg decodes it. */
export async function readFrameNumbers(file: string): Promise<number[]> {
  const { stdout } = await runOrThrow('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vf', `crop=320:${BAND_HEIGHT}:0:0,scale=${BITS}:1:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { timeoutMs: 60_000 });
  const numbers: number[] = [];
  for (let offset = 0; offset + BITS <= stdout.length; offset += BITS) {
    let n = 0;
    for (let bit = 0; bit < BITS; bit++) if (stdout[offset + bit]! > 128) n |= 1 << bit;
    numbers.push(n);
  }
  return numbers;
}

/**
 * ffmpeg publishing numbered pictures (25 fps, H.264, a keyframe every `gop` frames) and a
 * 440 Hz sine (AAC, 48 kHz) in real time to an RTMP `url`. Always stop it.
 */
export function publishFrameNumbers(url: string, options: { gop: number; seconds?: number }): TrackedProcess {
  return spawnTracked('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', frameNumberSource(25),
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(options.seconds ?? 120),
    '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '0', '-g', String(options.gop),
    '-c:a', 'aac', '-b:a', '96k',
    '-f', 'flv', url,
  ]);
}
