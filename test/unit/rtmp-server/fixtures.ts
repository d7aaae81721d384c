import { buildAvcDecoderConfig } from '../../../server/media/h264/avc-decoder-config';
import { buildAacRaw, buildAacSequenceHeader, buildAvcNalu, buildAvcSequenceHeader } from '../../../server/rtmp/protocol/flv';
import { MessageType, type RtmpMessage } from '../../../server/rtmp/protocol/messages';
import { payloadToBuffer, type Payload } from '../../../server/rtmp/protocol/payload';

/** SPS and PPS x264 wrote for testsrc 320x240, baseline profile (`ffmpeg -c:v libx264 -profile:v baseline`). */
export const SPS_320X240 = Buffer.from('6742c00dd90141fb011000000300100000030320f142a480', 'hex');
export const PPS_320X240 = Buffer.from('68cb83cb20', 'hex');
/** AudioSpecificConfig of AAC-LC 44.1 kHz mono. */
export const ASC_44100_MONO = Buffer.from('1208', 'hex');

/** An IDR and a non-IDR access unit in AVCC form (4-byte lengths); not decodable, structurally valid. */
export const IDR_AVCC = Buffer.from('00000003658884', 'hex');
export const P_AVCC = Buffer.from('00000003419a02', 'hex');

/** A message as the chunk reader would hand it over, on message stream 1. */
export function mediaMessage(typeId: number, timestamp: number, body: Payload): RtmpMessage {
  return { chunkStreamId: typeId === MessageType.VIDEO ? 6 : 4, timestamp, typeId, messageStreamId: 1, payload: payloadToBuffer(body) };
}

/** The AVC sequence header message of SPS_320X240 / PPS_320X240. */
export function avcSequenceHeader(timestamp = 0): RtmpMessage {
  return mediaMessage(MessageType.VIDEO, timestamp, buildAvcSequenceHeader(buildAvcDecoderConfig(SPS_320X240, PPS_320X240)));
}

/** One access unit as an AVC NALU message; `compositionTimeMs` = pts - dts. */
export function avcFrame(timestamp: number, keyframe: boolean, compositionTimeMs = 0): RtmpMessage {
  return mediaMessage(MessageType.VIDEO, timestamp, buildAvcNalu(keyframe, keyframe ? IDR_AVCC : P_AVCC, compositionTimeMs));
}

/** The AAC sequence header message of ASC_44100_MONO. */
export function aacSequenceHeader(timestamp = 0): RtmpMessage {
  return mediaMessage(MessageType.AUDIO, timestamp, buildAacSequenceHeader(ASC_44100_MONO));
}

/** One raw AAC frame message. */
export function aacFrame(timestamp: number, data = Buffer.from('21100490', 'hex')): RtmpMessage {
  return mediaMessage(MessageType.AUDIO, timestamp, buildAacRaw(data));
}
