import { NalType, nalType, splitAnnexB } from './nal';

/** An encoder's Annex B access unit with its in-band parameter sets taken out. */
export interface SeparatedAccessUnit {
  /** The last SPS and PPS in the access unit, if it carries any (encoders repeat them at IDRs). */
  readonly sps?: Buffer;
  readonly pps?: Buffer;
  /** The other NAL units in order, without access unit delimiters; zero-copy subarrays. */
  readonly nalus: Buffer[];
}

/**
 * Splits an Annex B access unit (as libx264 writes it without global headers) into its parameter
 * sets and the NAL units that go into an AVCC frame, where SPS and PPS travel out of band.
 */
export function separateParameterSets(annexB: Buffer): SeparatedAccessUnit {
  let sps: Buffer | undefined;
  let pps: Buffer | undefined;
  const nalus: Buffer[] = [];
  for (const nal of splitAnnexB(annexB)) {
    const type = nalType(nal);
    if (type === NalType.SPS) sps = nal;
    else if (type === NalType.PPS) pps = nal;
    else if (type !== NalType.AUD) nalus.push(nal);
  }
  return { ...(sps && { sps }), ...(pps && { pps }), nalus };
}
