import { AmfEcmaArray, encodeAmf0 } from './amf0';
import { RtmpProtocolError } from './errors';

/**
 * FLV tag bodies (FLV spec v10, E.4.2 / E.4.3) as carried by RTMP audio (8) and video (9)
 * messages and by FLV file tags. Builders that wrap media return `[header, data]` so the
 * frame bytes are copied only once, into the chunk buffer.
 */

/** FrameType (upper nibble of a video body's first byte). */
export const VideoFrameType = { KEY: 1, INTER: 2, DISPOSABLE_INTER: 3, GENERATED_KEY: 4, INFO: 5 } as const;
/** CodecID (lower nibble of a video body's first byte). */
export const VideoCodecId = { AVC: 7 } as const;
/** AVCPacketType (second byte of an AVC video body). */
export const AvcPacketType = { SEQUENCE_HEADER: 0, NALU: 1, END_OF_SEQUENCE: 2 } as const;
/** SoundFormat (upper nibble of an audio body's first byte). */
export const SoundFormat = { AAC: 10 } as const;
/** AACPacketType (second byte of an AAC audio body). */
export const AacPacketType = { SEQUENCE_HEADER: 0, RAW: 1 } as const;

const AVC_KEY = (VideoFrameType.KEY << 4) | VideoCodecId.AVC;
const AVC_INTER = (VideoFrameType.INTER << 4) | VideoCodecId.AVC;
/** AAC, 44 kHz, 16-bit, stereo: the spec mandates these flags for AAC whatever the real format (the AudioSpecificConfig is authoritative). */
const AAC_FLAGS = (SoundFormat.AAC << 4) | (3 << 2) | (1 << 1) | 1;
const MIN_COMPOSITION_TIME = -0x800000;
const MAX_COMPOSITION_TIME = 0x7fffff;

function avcHeader(first: number, packetType: number, compositionTimeMs: number): Buffer {
  const cts = Math.round(compositionTimeMs);
  if (!(cts >= MIN_COMPOSITION_TIME && cts <= MAX_COMPOSITION_TIME)) {
    throw new RtmpProtocolError('FLV_BAD_VALUE', `composition time ${compositionTimeMs} ms does not fit 24 signed bits`);
  }
  const header = Buffer.allocUnsafe(5);
  header[0] = first;
  header[1] = packetType;
  header.writeIntBE(cts, 2, 3);
  return header;
}

/** AVC sequence header body: keyframe + AVC, packet type 0, cts 0, then the AVCDecoderConfigurationRecord. */
export function buildAvcSequenceHeader(avcDecoderConfigurationRecord: Buffer): Buffer {
  return Buffer.concat([avcHeader(AVC_KEY, AvcPacketType.SEQUENCE_HEADER, 0), avcDecoderConfigurationRecord]);
}

/** AVC NALU body for one access unit in AVCC form (4-byte lengths); compositionTimeMs = pts - dts, ms (default 0). */
export function buildAvcNalu(keyframe: boolean, avccAccessUnit: Buffer, compositionTimeMs = 0): readonly [Buffer, Buffer] {
  return [avcHeader(keyframe ? AVC_KEY : AVC_INTER, AvcPacketType.NALU, compositionTimeMs), avccAccessUnit];
}

/** AVC end-of-sequence body (5 bytes), sent before unpublishing. */
export function buildAvcEndOfSequence(): Buffer {
  return avcHeader(AVC_KEY, AvcPacketType.END_OF_SEQUENCE, 0);
}

/** AAC sequence header body: 0xAF 0x00 then the AudioSpecificConfig. */
export function buildAacSequenceHeader(audioSpecificConfig: Buffer): Buffer {
  return Buffer.concat([Buffer.from([AAC_FLAGS, AacPacketType.SEQUENCE_HEADER]), audioSpecificConfig]);
}

/** AAC raw body for one access unit without ADTS header: 0xAF 0x01 then the frame. */
export function buildAacRaw(rawAacFrame: Buffer): readonly [Buffer, Buffer] {
  return [Buffer.from([AAC_FLAGS, AacPacketType.RAW]), rawAacFrame];
}

/** onMetaData script body (FLV files): the string 'onMetaData' then an ECMA array. Over RTMP, prefix '@setDataFrame'. */
export function buildOnMetaData(metadata: Readonly<Record<string, number | string | boolean>>): Buffer {
  return encodeAmf0('onMetaData', new AmfEcmaArray({ ...metadata }));
}

/** A parsed video tag body. AVC fields are present only when codecId is 7. */
export interface VideoTagBody {
  readonly frameType: number;
  readonly codecId: number;
  readonly avcPacketType?: number;
  /** pts - dts, ms, signed (0 for non-AVC codecs). */
  readonly compositionTime: number;
  /** Codec data after the FLV header bytes (a view of the input). */
  readonly data: Buffer;
}

/** Parses a video tag body; throws RtmpProtocolError('FLV_TRUNCATED') when it is shorter than its header. */
export function parseVideoTagBody(body: Buffer): VideoTagBody {
  if (body.length < 1) throw new RtmpProtocolError('FLV_TRUNCATED', 'empty video tag body');
  const frameType = body[0]! >> 4;
  const codecId = body[0]! & 0x0f;
  if (codecId !== VideoCodecId.AVC) return { frameType, codecId, compositionTime: 0, data: body.subarray(1) };
  if (body.length < 5) throw new RtmpProtocolError('FLV_TRUNCATED', `AVC video tag body of ${body.length} bytes, header needs 5`);
  return { frameType, codecId, avcPacketType: body[1]!, compositionTime: body.readIntBE(2, 3), data: body.subarray(5) };
}

/** A parsed audio tag body. aacPacketType is present only when soundFormat is 10. */
export interface AudioTagBody {
  readonly soundFormat: number;
  /** 0: 5.5 kHz, 1: 11 kHz, 2: 22 kHz, 3: 44 kHz. */
  readonly soundRate: number;
  /** 0: 8-bit, 1: 16-bit. */
  readonly soundSize: number;
  /** 0: mono, 1: stereo. */
  readonly soundType: number;
  readonly aacPacketType?: number;
  /** Codec data after the FLV header bytes (a view of the input). */
  readonly data: Buffer;
}

/** Parses an audio tag body; throws RtmpProtocolError('FLV_TRUNCATED') when it is shorter than its header. */
export function parseAudioTagBody(body: Buffer): AudioTagBody {
  if (body.length < 1) throw new RtmpProtocolError('FLV_TRUNCATED', 'empty audio tag body');
  const first = body[0]!;
  const format = { soundFormat: first >> 4, soundRate: (first >> 2) & 3, soundSize: (first >> 1) & 1, soundType: first & 1 };
  if (format.soundFormat !== SoundFormat.AAC) return { ...format, data: body.subarray(1) };
  if (body.length < 2) throw new RtmpProtocolError('FLV_TRUNCATED', 'AAC audio tag body without packet type');
  return { ...format, aacPacketType: body[1]!, data: body.subarray(2) };
}
