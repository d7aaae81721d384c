import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** A short H.264 + AAC clip ready to publish: FLV-ready configuration records and frames. */
export interface SyntheticClip {
  /** AVCDecoderConfigurationRecord built from the clip's SPS and PPS. */
  readonly avcDecoderConfigurationRecord: Buffer;
  /** One entry per access unit, 25 fps, in AVCC form (4-byte NAL lengths). */
  readonly videoFrames: readonly { readonly keyframe: boolean; readonly avcc: Buffer }[];
  /** AudioSpecificConfig derived from the first ADTS header. */
  readonly audioSpecificConfig: Buffer;
  /** Raw AAC frames (ADTS headers removed), 1024 samples each. */
  readonly audioFrames: readonly Buffer[];
  readonly sampleRate: number;
}

/** Video frame duration of the clip, ms. */
export const VIDEO_FRAME_MS = 40;
const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Encodes 2 s of testsrc (320x240 baseline, GOP 25) and a 440 Hz sine (AAC ADTS) into `dir` with ffmpeg, then splits them. */
export async function makeSyntheticClip(dir: string): Promise<SyntheticClip> {
  const h264Path = path.join(dir, 'clip.h264');
  const aacPath = path.join(dir, 'clip.aac');
  const ffmpeg = (args: string[]) => promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: 20_000 });
  await Promise.all([
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '25', '-bf', '0', '-f', 'h264', h264Path]),
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '2', '-c:a', 'aac', '-f', 'adts', aacPath]),
  ]);
  const video = splitH264(await readFile(h264Path));
  const audio = splitAdts(await readFile(aacPath));
  return { ...video, ...audio };
}

/** Splits Annex-B into NAL units; each slice NAL (x264 writes one per frame here) closes an access unit. */
function splitH264(annexB: Buffer): Pick<SyntheticClip, 'avcDecoderConfigurationRecord' | 'videoFrames'> {
  const nals: Buffer[] = [];
  let start = -1;
  for (let i = annexB.indexOf(START_CODE); i !== -1; i = annexB.indexOf(START_CODE, i + 3)) {
    if (start !== -1) nals.push(trimZeros(annexB.subarray(start, i)));
    start = i + 3;
  }
  if (start !== -1) nals.push(annexB.subarray(start));

  let sps: Buffer | undefined;
  let pps: Buffer | undefined;
  const frames: { keyframe: boolean; avcc: Buffer }[] = [];
  let pending: Buffer[] = [];
  for (const nal of nals) {
    const type = nal[0]! & 0x1f;
    if (type === 7) sps ??= nal;
    else if (type === 8) pps ??= nal;
    else if (type !== 9) pending.push(nal); // access unit delimiters are dropped
    if (type === 1 || type === 5) {
      frames.push({ keyframe: type === 5, avcc: Buffer.concat(pending.flatMap((n) => [lengthPrefix(n.length), n])) });
      pending = [];
    }
  }
  if (sps === undefined || pps === undefined) throw new Error('clip has no SPS/PPS');
  const record = Buffer.concat([Buffer.from([1, sps[1]!, sps[2]!, sps[3]!, 0xff, 0xe1]), u16(sps.length), sps, Buffer.from([1]), u16(pps.length), pps]);
  return { avcDecoderConfigurationRecord: record, videoFrames: frames };
}

/** Splits ADTS into raw AAC frames and derives the AudioSpecificConfig from the first header. */
function splitAdts(adts: Buffer): Pick<SyntheticClip, 'audioSpecificConfig' | 'audioFrames' | 'sampleRate'> {
  const frames: Buffer[] = [];
  let config: Buffer | undefined;
  let sampleRate = 0;
  for (let offset = 0; offset + 7 <= adts.length; ) {
    if (adts[offset] !== 0xff || (adts[offset + 1]! & 0xf0) !== 0xf0) throw new Error(`lost ADTS sync at ${offset}`);
    const headerLength = (adts[offset + 1]! & 1) === 1 ? 7 : 9;
    const frameLength = ((adts[offset + 3]! & 3) << 11) | (adts[offset + 4]! << 3) | (adts[offset + 5]! >> 5);
    if (config === undefined) {
      const objectType = (adts[offset + 2]! >> 6) + 1;
      const frequencyIndex = (adts[offset + 2]! >> 2) & 0x0f;
      const channels = ((adts[offset + 2]! & 1) << 2) | (adts[offset + 3]! >> 6);
      config = u16((objectType << 11) | (frequencyIndex << 7) | (channels << 3));
      sampleRate = SAMPLE_RATES[frequencyIndex]!;
    }
    frames.push(adts.subarray(offset + headerLength, offset + frameLength));
    offset += frameLength;
  }
  if (config === undefined) throw new Error('clip has no ADTS frames');
  return { audioSpecificConfig: config, audioFrames: frames, sampleRate };
}

const START_CODE = Buffer.from([0, 0, 1]);

/** Drops the trailing zero of a 4-byte start code that belongs to the next NAL. */
function trimZeros(nal: Buffer): Buffer {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end--;
  return nal.subarray(0, end);
}

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(length);
  return prefix;
}

function u16(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(2);
  bytes.writeUInt16BE(value);
  return bytes;
}
