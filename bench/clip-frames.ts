import { readFile } from 'node:fs/promises';
import { AdtsParser } from '../server/media/aac/adts-parser';
import { joinAvcc, NalType, nalType, splitAnnexB } from '../server/media/h264/nal';

/** The files a clip's frames come from. */
export interface ClipFrameFiles {
  /** H.264 Annex B, one slice per picture (x264 without sliced threads). */
  readonly h264Path: string;
  /** AAC in ADTS, 1024 samples per frame. */
  readonly aacPath: string;
}

/** What the AAC frames are, from their ADTS headers. */
export interface AudioFormat {
  readonly objectType: number;
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
}

/** One picture of the clip: the NAL units before its slice (SPS, PPS, SEI) and the slice, each in AVCC form. */
export interface ClipPicture {
  readonly keyframe: boolean;
  readonly prefix: Buffer;
  readonly slice: Buffer;
}

/** A pre-encoded H.264 + AAC clip split into what a source sends: pictures, raw AAC frames and their parameters. */
export interface ClipFrames {
  readonly pictures: readonly ClipPicture[];
  /** Raw AAC frames (no ADTS header). */
  readonly audio: readonly Buffer[];
  readonly sps: Buffer;
  readonly pps: Buffer;
  readonly audioFormat: AudioFormat;
}

/** AAC samples per frame. */
export const AAC_FRAME_SAMPLES = 1024;

/**
 * Reads both files (whole, into memory) and splits them into pictures (access unit delimiters left
 * out: RTMP has no use for them) and AAC frames; the first picture must be an IDR.
 */
export async function loadClipFrames(files: ClipFrameFiles): Promise<ClipFrames> {
  const [h264, adts] = await Promise.all([readFile(files.h264Path), readFile(files.aacPath)]);
  const nals = splitAnnexB(h264);
  const sps = nals.find((n) => nalType(n) === NalType.SPS);
  const pps = nals.find((n) => nalType(n) === NalType.PPS);
  const pictures: ClipPicture[] = [];
  let pending: Buffer[] = [];
  for (const nal of nals) {
    const type = nalType(nal);
    if (type === NalType.AUD) continue;
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
  return { pictures, audio, sps, pps, audioFormat: { objectType: first.objectType, sampleRate: first.sampleRate, channels: first.channels } };
}
