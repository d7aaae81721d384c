import { OpusFormatError } from './opus-format-error';

/** Opus always counts time in 48 kHz samples, whatever the coded bandwidth. */
export const OPUS_CLOCK_RATE = 48000;

/** A packet may not last longer than 120 ms (RFC 6716 3.2.5), 48 kHz samples. */
const MAX_PACKET_SAMPLES = 5760;

/** Frame size by TOC config number (RFC 6716 Table 2), 48 kHz samples. */
const FRAME_SAMPLES_BY_CONFIG: readonly number[] = [
  // SILK-only NB, MB, WB: 10, 20, 40, 60 ms
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880,
  // Hybrid SWB, FB: 10, 20 ms
  480, 960, 480, 960,
  // CELT-only NB, WB, SWB, FB: 2.5, 5, 10, 20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];

/** Duration of one frame of the packet whose TOC byte is `toc`, 48 kHz samples. */
export function opusFrameSamples(toc: number): number {
  return FRAME_SAMPLES_BY_CONFIG[toc >> 3];
}

/**
 * Duration of an Opus packet from its TOC byte (frame size × frame count), 48 kHz samples.
 * Throws OpusFormatError for an empty packet, a code 3 packet without its frame count, or a
 * packet longer than 120 ms.
 */
export function opusPacketSamples(packet: Buffer): number {
  const toc = packet[0];
  if (toc === undefined) throw new OpusFormatError('EMPTY_PACKET', 'Opus packet is empty');
  let frames: number;
  switch (toc & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default: {
      const countByte = packet[1];
      if (countByte === undefined) throw new OpusFormatError('PACKET_TRUNCATED', 'code 3 Opus packet lacks its frame count byte');
      frames = countByte & 0x3f;
    }
  }
  const samples = frames * opusFrameSamples(toc);
  if (frames === 0 || samples > MAX_PACKET_SAMPLES) {
    throw new OpusFormatError(
      'PACKET_INVALID',
      `Opus packet of ${frames} frames lasts ${samples} samples (allowed 1..${MAX_PACKET_SAMPLES})`,
    );
  }
  return samples;
}

/**
 * A 1-byte Opus packet (TOC only, code 0: one frame of 0 bytes) lasting `samples` (120, 240, 480,
 * 960, 1920 or 2880). Decoders treat a 0-byte frame as lost and conceal it (RFC 6716 3.2.1), so it
 * fills a gap in the timeline. Keeps the mode, bandwidth and stereo flag of `prevToc` when that mode
 * has this frame size; otherwise switches to a mode that has it.
 */
export function opusLossPacket(prevToc: number, samples: number): Buffer {
  const prevConfig = prevToc >> 3;
  // Configs come in runs of one mode and bandwidth: 4 for SILK (0..11) and CELT (16..31), 2 for hybrid (12..15).
  const modeStart = prevConfig < 12 ? 0 : prevConfig < 16 ? 12 : 16;
  const groupSize = modeStart === 12 ? 2 : 4;
  const groupStart = modeStart + Math.floor((prevConfig - modeStart) / groupSize) * groupSize;
  let config = -1;
  for (let c = groupStart; c < groupStart + groupSize; c++) {
    if (FRAME_SAMPLES_BY_CONFIG[c] === samples) config = c;
  }
  // Otherwise the widest-band config with that frame size (CELT FB before SILK WB).
  if (config === -1) config = FRAME_SAMPLES_BY_CONFIG.lastIndexOf(samples);
  if (config === -1) {
    throw new OpusFormatError('BAD_FRAME_SIZE', `no Opus frame lasts ${samples} samples (use 120, 240, 480, 960, 1920 or 2880)`);
  }
  return Buffer.from([(config << 3) | (prevToc & 0x04)]);
}
