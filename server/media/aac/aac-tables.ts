/** AAC sampling rates by samplingFrequencyIndex 0..12 (ISO/IEC 14496-3 Table 1.18), Hz. */
export const AAC_SAMPLE_RATES: readonly number[] = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/** Channel count by channelConfiguration 0..7 (0: defined by a program_config_element; 7 is 7.1). */
export const AAC_CHANNEL_COUNTS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 8];

/** samplingFrequencyIndex of a rate in Hz, or -1 when the rate has no index. */
export function samplingFrequencyIndex(sampleRate: number): number {
  return AAC_SAMPLE_RATES.indexOf(sampleRate);
}
