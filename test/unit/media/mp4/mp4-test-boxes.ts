import { buildAudioSpecificConfig } from '../../../../server/media/aac/audio-specific-config';
import type { RandomAccessFile } from '../../../../server/media/containers/mp4/fmp4-reader';
import type { Mp4AudioTrackOptions, Mp4VideoTrackOptions } from '../../../../server/media/containers/mp4/fmp4-writer';
import { joinAvcc } from '../../../../server/media/h264/nal';

/** A 320x240 Baseline SPS and its PPS (as in the MPEG-TS muxer tests). */
export const SPS = Buffer.from('6742c01eda0280bfe5c04400000fa40003a9803c58ba80', 'hex');
export const PPS = Buffer.from('68ce3c80', 'hex');
export const AAC_CONFIG = buildAudioSpecificConfig(2, 48000, 2);

export const VIDEO_90K: Mp4VideoTrackOptions = { timescale: 90_000, width: 320, height: 240, sps: SPS, pps: PPS };
export const AUDIO_48K: Mp4AudioTrackOptions = { timescale: 48_000, sampleRate: 48_000, channels: 2, config: AAC_CONFIG };

/** An AVCC access unit of one slice whose bytes carry `tag`, so it can be recognised in the output. */
export function accessUnit(keyframe: boolean, tag: number, length = 200): Buffer {
  const nal = Buffer.alloc(length, tag & 0xff);
  nal[0] = keyframe ? 0x65 : 0x41;
  return joinAvcc([nal]);
}

/** A fake AAC frame whose bytes carry `tag`. */
export function aacFrame(tag: number, length = 100): Buffer {
  return Buffer.alloc(length, tag & 0xff);
}

/** A box found by the test's own parser: its type and payload (header left out). */
export interface TestBox {
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly body: Buffer;
}

/** The boxes one after another in `bytes` (32-bit and 64-bit sizes), parsed independently of the module. */
export function boxesIn(bytes: Buffer, base = 0): TestBox[] {
  const out: TestBox[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size32 = bytes.readUInt32BE(at);
    const large = size32 === 1;
    const size = large ? Number(bytes.readBigUInt64BE(at + 8)) : size32;
    const header = large ? 16 : 8;
    if (size < header || at + size > bytes.length) throw new Error(`test parser: bad box size ${size} at ${base + at}`);
    out.push({ type: bytes.toString('latin1', at + 4, at + 8), offset: base + at, size, body: bytes.subarray(at + header, at + size) });
    at += size;
  }
  return out;
}

/** Bytes after the sample entry header of a box whose payload starts with children after `skip` bytes. */
export function childrenOf(parent: TestBox, skip = 0): TestBox[] {
  return boxesIn(parent.body.subarray(skip), parent.offset + 8 + skip);
}

/** The one box at the end of `path` ('moov/trak/mdia'), the first of each name on the way. */
export function find(boxes: readonly TestBox[], path: string): TestBox {
  const [head, ...rest] = path.split('/');
  const found = boxes.find((b) => b.type === head);
  if (!found) throw new Error(`test parser: no ${head} among ${boxes.map((b) => b.type).join(',')}`);
  return rest.length === 0 ? found : find(childrenOf(found), rest.join('/'));
}

/** Every box named `type` among `boxes`. */
export function all(boxes: readonly TestBox[], type: string): TestBox[] {
  return boxes.filter((b) => b.type === type);
}

/** A RandomAccessFile over a buffer that fails the test on a read outside it. */
export function memoryFile(bytes: Buffer): RandomAccessFile & { reads: number } {
  const file = {
    size: bytes.length,
    reads: 0,
    readAt(offset: number, length: number): Promise<Buffer> {
      file.reads++;
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new Error(`read of ${length} bytes at ${offset} outside a ${bytes.length}-byte file`);
      }
      return Promise.resolve(Buffer.from(bytes.subarray(offset, offset + length)));
    },
  };
  return file;
}

/** One trun as the test parser reads it (version 1, the writer's flags). */
export interface TestTrun {
  readonly version: number;
  readonly flags: number;
  readonly dataOffset: number;
  readonly samples: Array<{ duration: number; size: number; flags: number; compositionOffset: number }>;
}

export function parseTrun(trun: TestBox): TestTrun {
  const b = trun.body;
  const version = b[0]!;
  const flags = b.readUInt32BE(0) & 0xffffff;
  const count = b.readUInt32BE(4);
  const dataOffset = b.readInt32BE(8);
  const withCto = (flags & 0x800) !== 0;
  const samples = [];
  for (let i = 0, at = 12; i < count; i++) {
    samples.push({ duration: b.readUInt32BE(at), size: b.readUInt32BE(at + 4), flags: b.readUInt32BE(at + 8), compositionOffset: withCto ? b.readInt32BE(at + 12) : 0 });
    at += withCto ? 16 : 12;
  }
  return { version, flags, dataOffset, samples };
}

/** A fragment (moof + mdat) as the test parser reads it: per traf its track id, tfdt and trun. */
export interface TestFragment {
  readonly sequenceNumber: number;
  readonly tracks: Array<{ trackId: number; tfhdFlags: number; baseDecodeTime: number; tfdtVersion: number; trun: TestTrun; data: Buffer[] }>;
  readonly mdatSize: number;
}

export function parseFragment(fragment: Buffer): TestFragment {
  const [moof, mdat, ...rest] = boxesIn(fragment);
  if (moof?.type !== 'moof' || mdat?.type !== 'mdat' || rest.length > 0) throw new Error('test parser: a fragment is moof + mdat');
  const children = childrenOf(moof);
  const tracks = all(children, 'traf').map((traf) => {
    const parts = childrenOf(traf);
    const tfhd = find(parts, 'tfhd');
    const tfdt = find(parts, 'tfdt');
    const trun = parseTrun(find(parts, 'trun'));
    let at = trun.dataOffset;
    const data = trun.samples.map((s) => {
      const bytes = fragment.subarray(at, at + s.size);
      at += s.size;
      return bytes;
    });
    return {
      trackId: tfhd.body.readUInt32BE(4),
      tfhdFlags: tfhd.body.readUInt32BE(0) & 0xffffff,
      tfdtVersion: tfdt.body[0]!,
      baseDecodeTime: Number(tfdt.body.readBigUInt64BE(4)),
      trun,
      data,
    };
  });
  return { sequenceNumber: find(children, 'mfhd').body.readUInt32BE(4), tracks, mdatSize: mdat.size };
}
