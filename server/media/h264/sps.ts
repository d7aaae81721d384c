import { BitReader } from '../bits/bit-reader';
import { BitstreamError } from '../bits/bitstream-error';
import { removeEmulationPrevention } from './emulation-prevention';
import { H264FormatError } from './h264-format-error';
import { NalType, nalType } from './nal';

/** The fields of a sequence parameter set the gateway needs (H.264 7.3.2.1.1; VUI is not parsed). */
export interface Sps {
  /** profile_idc: 66 baseline, 77 main, 100 high, 110/122/244 high 10/4:2:2/4:4:4. */
  readonly profileIdc: number;
  /** The byte holding constraint_set0..5 flags and 2 reserved bits (the "compatibility" byte). */
  readonly constraintFlags: number;
  /** level_idc: 10 × the level number, e.g. 31 for level 3.1. */
  readonly levelIdc: number;
  readonly spsId: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 when the profile does not code it). */
  readonly chromaFormatIdc: number;
  readonly separateColourPlane: boolean;
  /** Bits per luma sample (8 unless a high bit-depth profile says otherwise). */
  readonly bitDepthLuma: number;
  /** Bits per chroma sample. */
  readonly bitDepthChroma: number;
  readonly log2MaxFrameNum: number;
  /** 0, 1 or 2. */
  readonly picOrderCntType: number;
  readonly maxNumRefFrames: number;
  /** False for interlaced (field or MBAFF) coding: one map unit is then two macroblock rows. */
  readonly frameMbsOnly: boolean;
  /** Decoded size in pixels before cropping (whole macroblocks). */
  readonly codedWidth: number;
  readonly codedHeight: number;
  /** Display size in pixels after frame cropping. */
  readonly width: number;
  readonly height: number;
  readonly vuiPresent: boolean;
}

/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling lists. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** True when an SPS of this profile_idc codes chroma format and bit depths (High profiles and up). */
export function hasChromaFormatInfo(profileIdc: number): boolean {
  return HIGH_PROFILES.has(profileIdc);
}

/** Largest picture side this parser accepts, in macroblocks (H.264 levels stop at 139264 MBs per frame). */
const MAX_SIDE_MBS = 1024;

/**
 * Parses an SPS NAL unit (header byte included, emulation prevention bytes allowed).
 * Throws H264FormatError: NOT_SPS, SPS_TRUNCATED, SPS_INVALID.
 */
export function parseSps(nal: Buffer): Sps {
  if (nal.length === 0 || nalType(nal) !== NalType.SPS) {
    throw new H264FormatError('NOT_SPS', `not an SPS NAL unit (type ${nal.length > 0 ? nalType(nal) : 'none'})`);
  }
  try {
    return readSps(new BitReader(removeEmulationPrevention(nal).subarray(1)));
  } catch (err) {
    if (err instanceof BitstreamError) {
      throw new H264FormatError('SPS_TRUNCATED', `SPS ends early: ${err.message}`);
    }
    throw err;
  }
}

function readSps(r: BitReader): Sps {
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  const spsId = readUeAtMost(r, 31, 'seq_parameter_set_id');

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (hasChromaFormatInfo(profileIdc)) {
    chromaFormatIdc = readUeAtMost(r, 3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.readFlag();
    bitDepthLuma = 8 + readUeAtMost(r, 6, 'bit_depth_luma_minus8');
    bitDepthChroma = 8 + readUeAtMost(r, 6, 'bit_depth_chroma_minus8');
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readFlag()) skipScalingMatrix(r, chromaFormatIdc === 3 ? 12 : 8);
  }

  const log2MaxFrameNum = 4 + readUeAtMost(r, 12, 'log2_max_frame_num_minus4');
  const picOrderCntType = readUeAtMost(r, 2, 'pic_order_cnt_type');
  if (picOrderCntType === 0) {
    readUeAtMost(r, 12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (picOrderCntType === 1) {
    r.skipBits(1); // delta_pic_order_always_zero_flag
    r.readSe(); // offset_for_non_ref_pic
    r.readSe(); // offset_for_top_to_bottom_field
    const cycleLength = readUeAtMost(r, 255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycleLength; i++) r.readSe(); // offset_for_ref_frame[i]
  }
  const maxNumRefFrames = readUeAtMost(r, 16, 'max_num_ref_frames');
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = readUeAtMost(r, MAX_SIDE_MBS - 1, 'pic_width_in_mbs_minus1') + 1;
  const heightInMapUnits = readUeAtMost(r, MAX_SIDE_MBS - 1, 'pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = r.readFlag();
  if (!frameMbsOnly) r.skipBits(1); // mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag

  const codedWidth = widthInMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16;
  let width = codedWidth;
  let height = codedHeight;
  if (r.readFlag()) {
    const left = r.readUe();
    const right = r.readUe();
    const top = r.readUe();
    const bottom = r.readUe();
    // Crop offsets count chroma samples (and field rows when interlaced), not pixels (7.4.2.1.1).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeightC = chromaArrayType === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    width = codedWidth - cropUnitX * (left + right);
    height = codedHeight - cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) {
      throw new H264FormatError('SPS_INVALID', `SPS frame cropping leaves an empty picture (${width}x${height})`);
    }
  }
  const vuiPresent = r.readFlag();

  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    log2MaxFrameNum,
    picOrderCntType,
    maxNumRefFrames,
    frameMbsOnly,
    codedWidth,
    codedHeight,
    width,
    height,
    vuiPresent,
  };
}

/** Reads ue(v) and rejects values above the range the standard allows for `field`. */
function readUeAtMost(r: BitReader, max: number, field: string): number {
  const value = r.readUe();
  if (value > max) throw new H264FormatError('SPS_INVALID', `SPS ${field} = ${value} is out of range (max ${max})`);
  return value;
}

/** Skips seq_scaling_list_present_flag[i] and each present scaling_list() (7.3.2.1.1.1). */
function skipScalingMatrix(r: BitReader, listCount: number): void {
  for (let i = 0; i < listCount; i++) {
    if (!r.readFlag()) continue;
    const size = i < 6 ? 16 : 64;
    let lastScale = 8;
    let nextScale = 8;
    for (let j = 0; j < size && nextScale !== 0; j++) {
      const deltaScale = r.readSe();
      nextScale = (lastScale + deltaScale + 256) % 256;
      // nextScale 0 means "use the default list" (j = 0) or "repeat lastScale to the end": no more deltas follow.
      if (nextScale !== 0) lastScale = nextScale;
    }
  }
}
