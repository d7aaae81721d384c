import { parseAudioSpecificConfig } from '../../aac/audio-specific-config';
import { buildAvcDecoderConfig } from '../../h264/avc-decoder-config';
import { box, fullBox, uint16, uint32, uint8, zeros } from './box';

/** The parts of an H.264 track the `avc1` sample entry describes. */
export interface AvcSampleEntryFields {
  /** Picture size, pixels. */
  readonly width: number;
  readonly height: number;
  /** Sequence and picture parameter sets, without start codes. */
  readonly sps: Buffer;
  readonly pps: Buffer;
}

/** The parts of an AAC track the `mp4a` sample entry describes. */
export interface AacSampleEntryFields {
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
  /** AudioSpecificConfig (ISO/IEC 14496-3), carried as the esds DecoderSpecificInfo. */
  readonly config: Buffer;
}

/** objectTypeIndication of MPEG-4 Audio and streamType of an audio stream (ISO/IEC 14496-1 Tables 5, 6). */
const OBJECT_TYPE_MPEG4_AUDIO = 0x40;
const STREAM_TYPE_AUDIO = 0x05;
/** Descriptor tags (ISO/IEC 14496-1 7.2.2.1). */
const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG_DESCRIPTOR = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;
const SL_CONFIG_DESCRIPTOR = 0x06;

/** `avc1` (ISO/IEC 14496-15 5.4.2) holding an `avcC` made from the parameter sets. Throws H264FormatError for an unparsable SPS. */
export function avcSampleEntry(fields: AvcSampleEntryFields): Buffer {
  const avcC = box('avcC', buildAvcDecoderConfig(fields.sps, fields.pps));
  return box(
    'avc1',
    sampleEntryHeader(),
    zeros(16), // pre_defined, reserved, pre_defined[3]
    uint16(fields.width, fields.height),
    uint32(0x0048_0000, 0x0048_0000, 0), // 72 dpi both ways, reserved
    uint16(1), // frame_count
    zeros(32), // compressorname
    uint16(0x0018, 0xffff), // depth, pre_defined = −1
    avcC,
  );
}

/** `mp4a` (ISO/IEC 14496-14 5.6) holding an `esds` with the AudioSpecificConfig. Throws AacFormatError for an unparsable config. */
export function aacSampleEntry(fields: AacSampleEntryFields): Buffer {
  parseAudioSpecificConfig(fields.config);
  const decoderConfig = descriptor(
    DECODER_CONFIG_DESCRIPTOR,
    uint8(OBJECT_TYPE_MPEG4_AUDIO, (STREAM_TYPE_AUDIO << 2) | 1, 0, 0, 0), // upStream 0, reserved 1, bufferSizeDB 0
    uint32(0, 0), // maxBitrate, avgBitrate: unknown
    descriptor(DECODER_SPECIFIC_INFO, fields.config),
  );
  const esDescriptor = descriptor(ES_DESCRIPTOR, uint16(0), uint8(0), decoderConfig, descriptor(SL_CONFIG_DESCRIPTOR, uint8(0x02)));
  return box(
    'mp4a',
    sampleEntryHeader(),
    zeros(8), // reserved
    uint16(fields.channels, 16, 0, 0), // channelcount, samplesize, pre_defined, reserved
    // samplerate is 16.16 fixed point: rates above 65535 Hz do not fit, the AudioSpecificConfig has the real one.
    uint32(fields.sampleRate <= 0xffff ? fields.sampleRate * 0x1_0000 : 0),
    fullBox('esds', 0, 0, esDescriptor),
  );
}

/** SampleEntry (ISO/IEC 14496-12 8.5.2.2): 6 reserved bytes, data_reference_index 1. */
function sampleEntryHeader(): Buffer {
  return Buffer.concat([zeros(6), uint16(1)]);
}

/** An MPEG-4 descriptor: tag, expandable size (7 bits a byte), then its parts. */
function descriptor(tag: number, ...parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const sizeBytes: number[] = [body.length & 0x7f];
  for (let rest = body.length >> 7; rest > 0; rest >>= 7) sizeBytes.unshift(0x80 | (rest & 0x7f));
  return Buffer.concat([uint8(tag, ...sizeBytes), body]);
}
