import { BitWriter } from '../../../../server/media/bits/bit-writer';

/** Adds ue(v)/se(v) to BitWriter, for hand-made H.264 fixtures. */
export class ExpGolombWriter extends BitWriter {
  writeUe(value: number): this {
    const length = Math.floor(Math.log2(value + 1));
    return this.writeBits(0, length).writeBits(value + 1, length + 1);
  }

  writeSe(value: number): this {
    return this.writeUe(value > 0 ? 2 * value - 1 : -2 * value);
  }
}

/** Inserts emulation prevention bytes: every 00 00 followed by 00..03 gets a 03 in between. */
export function addEmulationPrevention(rbsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** Fields of a hand-made SPS; the defaults give a 4:2:0 8-bit High profile 320x240 stream. */
export interface SpsFields {
  profileIdc?: number;
  chromaFormatIdc?: number;
  separateColourPlane?: boolean;
  bitDepthLumaMinus8?: number;
  bitDepthChromaMinus8?: number;
  /** Per list: undefined = not present, else the delta_scale values to write. */
  scalingLists?: (number[] | undefined)[];
  picOrderCntType?: number;
  offsetsForRefFrame?: number[];
  widthInMbs?: number;
  heightInMapUnits?: number;
  frameMbsOnly?: boolean;
  crop?: { left: number; right: number; top: number; bottom: number };
}

/** Writes an SPS NAL unit (header byte, emulation prevention, trailing bits) from `fields`. */
export function writeSps(fields: SpsFields): Buffer {
  const profileIdc = fields.profileIdc ?? 100;
  const w = new ExpGolombWriter();
  w.writeBits(profileIdc, 8).writeBits(0, 8).writeBits(30, 8).writeUe(0);
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profileIdc)) {
    const chroma = fields.chromaFormatIdc ?? 1;
    w.writeUe(chroma);
    if (chroma === 3) w.writeFlag(fields.separateColourPlane ?? false);
    w.writeUe(fields.bitDepthLumaMinus8 ?? 0).writeUe(fields.bitDepthChromaMinus8 ?? 0).writeFlag(false);
    const lists = fields.scalingLists;
    w.writeFlag(lists !== undefined);
    if (lists !== undefined) {
      for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) {
        const deltas = lists[i];
        w.writeFlag(deltas !== undefined);
        for (const delta of deltas ?? []) w.writeSe(delta);
      }
    }
  }
  w.writeUe(0); // log2_max_frame_num_minus4
  const pocType = fields.picOrderCntType ?? 0;
  w.writeUe(pocType);
  if (pocType === 0) w.writeUe(2);
  if (pocType === 1) {
    w.writeFlag(false).writeSe(-3).writeSe(5);
    const offsets = fields.offsetsForRefFrame ?? [];
    w.writeUe(offsets.length);
    for (const offset of offsets) w.writeSe(offset);
  }
  w.writeUe(1).writeFlag(false); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  w.writeUe((fields.widthInMbs ?? 20) - 1).writeUe((fields.heightInMapUnits ?? 15) - 1);
  const frameMbsOnly = fields.frameMbsOnly ?? true;
  w.writeFlag(frameMbsOnly);
  if (!frameMbsOnly) w.writeFlag(false);
  w.writeFlag(true); // direct_8x8_inference_flag
  w.writeFlag(fields.crop !== undefined);
  if (fields.crop !== undefined) {
    w.writeUe(fields.crop.left).writeUe(fields.crop.right).writeUe(fields.crop.top).writeUe(fields.crop.bottom);
  }
  w.writeFlag(false); // vui_parameters_present_flag
  w.writeFlag(true); // rbsp_stop_one_bit, then zero bits to the byte boundary
  return Buffer.concat([Buffer.from([0x67]), addEmulationPrevention(w.toBuffer())]);
}
