import { BitWriter } from '../bits/bit-writer';

/** Syntactic element ids of raw_data_block() (ISO/IEC 14496-3 Table 4.85). */
const ID_SCE = 0;
const ID_CPE = 1;
const ID_END = 7;

/**
 * Writes an individual_channel_stream with no coded scalefactor bands: every spectral
 * coefficient is zero, so the channel decodes to digital silence.
 */
function writeSilentChannelStream(w: BitWriter): void {
  w.writeBits(0, 8); // global_gain: irrelevant, no band uses it
  // ics_info
  w.writeBits(0, 1); // ics_reserved_bit
  w.writeBits(0, 2); // window_sequence = ONLY_LONG_SEQUENCE
  w.writeBits(0, 1); // window_shape = sine
  w.writeBits(0, 6); // max_sfb = 0: no section_data, scale_factor_data or spectral_data follow
  w.writeBits(0, 1); // predictor_data_present
  w.writeBits(0, 1); // pulse_data_present
  w.writeBits(0, 1); // tns_data_present
  w.writeBits(0, 1); // gain_control_data_present
}

function buildSilentFrame(channels: 1 | 2): Buffer {
  const w = new BitWriter();
  if (channels === 1) {
    w.writeBits(ID_SCE, 3).writeBits(0, 4); // element_instance_tag 0
    writeSilentChannelStream(w);
  } else {
    w.writeBits(ID_CPE, 3).writeBits(0, 4);
    w.writeBits(0, 1); // common_window = 0: each channel carries its own ics_info
    writeSilentChannelStream(w);
    writeSilentChannelStream(w);
  }
  w.writeBits(ID_END, 3);
  return w.toBuffer(); // toBuffer() zero-pads to the byte boundary
}

const SILENT_FRAMES = { 1: buildSilentFrame(1), 2: buildSilentFrame(2) } as const;

/**
 * A raw AAC-LC frame (1024 samples, no ADTS header) that decodes to digital silence, for
 * mono (channelConfiguration 1) or stereo (2), at any sampling rate. The returned buffer is shared:
 * do not modify it.
 */
export function silentAacFrame(channels: 1 | 2): Buffer {
  return SILENT_FRAMES[channels];
}
