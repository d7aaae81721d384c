import { BitReader } from '../bits/bit-reader';
import { BitstreamError } from '../bits/bitstream-error';
import { BitWriter } from '../bits/bit-writer';
import { AacFormatError } from './aac-format-error';
import { AAC_CHANNEL_COUNTS, AAC_SAMPLE_RATES, samplingFrequencyIndex } from './aac-tables';

/** Audio object type of AAC-LC (ISO/IEC 14496-3 Table 1.17). */
export const AAC_LC = 2;

/** Audio object types that signal SBR/PS explicitly in front of the core type (HE-AAC v1/v2). */
const SBR = 5;
const PS = 29;

/** The parts of an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) the gateway uses. */
export interface AudioSpecificConfig {
  /** Core audio object type, e.g. 2 for AAC-LC (for HE-AAC this is the core under SBR). */
  readonly objectType: number;
  /** Core sampling rate, Hz. */
  readonly sampleRate: number;
  /** channelConfiguration: 1 mono, 2 stereo, … (0 = defined by a program_config_element). */
  readonly channelConfiguration: number;
  /** Channel count implied by channelConfiguration (0 when a program_config_element defines it). */
  readonly channels: number;
  /** Output rate of the SBR extension when HE-AAC is signalled explicitly, Hz; otherwise undefined. */
  readonly extensionSampleRate?: number;
}

/**
 * Builds a 2-byte AudioSpecificConfig (5 bytes if the rate has no index) with GASpecificConfig
 * flags all 0 (1024-sample frames). AAC-LC 48000 Hz stereo gives 0x11 0x90.
 */
export function buildAudioSpecificConfig(objectType: number, sampleRate: number, channels: number): Buffer {
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 30) {
    throw new AacFormatError('ASC_INVALID', `audio object type ${objectType} is not supported`);
  }
  const channelConfiguration = AAC_CHANNEL_COUNTS.indexOf(channels);
  if (channelConfiguration < 1) {
    throw new AacFormatError('ASC_INVALID', `channel count ${channels} has no channelConfiguration`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate >= 2 ** 24) {
    throw new AacFormatError('ASC_INVALID', `sample rate ${sampleRate} Hz is not representable`);
  }
  const w = new BitWriter().writeBits(objectType, 5);
  const index = samplingFrequencyIndex(sampleRate);
  if (index === -1) w.writeBits(15, 4).writeBits(sampleRate, 24);
  else w.writeBits(index, 4);
  w.writeBits(channelConfiguration, 4);
  w.writeBits(0, 3); // frameLengthFlag, dependsOnCoreCoder, extensionFlag
  return w.toBuffer();
}

/** Parses an AudioSpecificConfig. Throws AacFormatError ASC_TRUNCATED / ASC_INVALID. */
export function parseAudioSpecificConfig(config: Buffer): AudioSpecificConfig {
  const r = new BitReader(config);
  try {
    let objectType = readObjectType(r);
    const sampleRate = readSampleRate(r);
    const channelConfiguration = r.readBits(4);
    const channels = AAC_CHANNEL_COUNTS[channelConfiguration];
    if (channels === undefined) throw new AacFormatError('ASC_INVALID', `reserved channelConfiguration ${channelConfiguration}`);
    if (objectType === SBR || objectType === PS) {
      const extensionSampleRate = readSampleRate(r);
      objectType = readObjectType(r);
      return { objectType, sampleRate, channelConfiguration, channels, extensionSampleRate };
    }
    return { objectType, sampleRate, channelConfiguration, channels };
  } catch (err) {
    if (err instanceof BitstreamError) throw new AacFormatError('ASC_TRUNCATED', `AudioSpecificConfig ends early: ${err.message}`);
    throw err;
  }
}

function readObjectType(r: BitReader): number {
  const objectType = r.readBits(5);
  return objectType === 31 ? 32 + r.readBits(6) : objectType;
}

function readSampleRate(r: BitReader): number {
  const index = r.readBits(4);
  if (index === 15) return r.readBits(24);
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw new AacFormatError('ASC_INVALID', `reserved samplingFrequencyIndex ${index}`);
  return rate;
}
