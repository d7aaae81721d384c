import { AmfEcmaArray, decodeAmf0Sequence } from '../../../server/rtmp/protocol/amf0';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import {
  buildAacRaw,
  buildAacSequenceHeader,
  buildAvcEndOfSequence,
  buildAvcNalu,
  buildAvcSequenceHeader,
  buildOnMetaData,
  parseAudioTagBody,
  parseVideoTagBody,
} from '../../../server/rtmp/protocol/flv';

const RECORD = Buffer.from('0142c01effe1000967', 'hex');

test('AVC sequence header: keyframe + AVC, packet type 0, cts 0, then the record', () => {
  expect(buildAvcSequenceHeader(RECORD).toString('hex')).toBe('1700000000' + RECORD.toString('hex'));
});

test('AVC NALU body: frame type, packet type 1, 24-bit signed composition time, data untouched', () => {
  const data = Buffer.from('0000000265b8', 'hex');
  const [keyHeader, keyData] = buildAvcNalu(true, data, 80);
  expect(keyHeader.toString('hex')).toBe('1701000050');
  expect(keyData).toBe(data);
  expect(buildAvcNalu(false, data)[0].toString('hex')).toBe('2701000000');
  expect(buildAvcNalu(false, data, -40)[0].toString('hex')).toBe('2701ffffd8');
});

test('AVC end of sequence is 5 bytes', () => {
  expect(buildAvcEndOfSequence().toString('hex')).toBe('1702000000');
});

test('AAC bodies start with 0xAF (AAC, 44 kHz, 16-bit, stereo) then the packet type', () => {
  expect(buildAacSequenceHeader(Buffer.from('1210', 'hex')).toString('hex')).toBe('af001210');
  const frame = Buffer.from('21100503', 'hex');
  const [header, data] = buildAacRaw(frame);
  expect(header.toString('hex')).toBe('af01');
  expect(data).toBe(frame);
});

test('video bodies parse back, including negative composition times', () => {
  expect(parseVideoTagBody(buildAvcSequenceHeader(RECORD))).toEqual({ frameType: 1, codecId: 7, avcPacketType: 0, compositionTime: 0, data: RECORD });
  const body = Buffer.concat(buildAvcNalu(false, Buffer.from([1, 2]), -40));
  expect(parseVideoTagBody(body)).toEqual({ frameType: 2, codecId: 7, avcPacketType: 1, compositionTime: -40, data: Buffer.from([1, 2]) });
  // Sorenson H.263 (codec 2): no AVC fields.
  expect(parseVideoTagBody(Buffer.from('2201', 'hex'))).toEqual({ frameType: 2, codecId: 2, compositionTime: 0, data: Buffer.from([1]) });
});

test('audio bodies parse back', () => {
  expect(parseAudioTagBody(Buffer.concat(buildAacRaw(Buffer.from([9]))))).toEqual({
    soundFormat: 10,
    soundRate: 3,
    soundSize: 1,
    soundType: 1,
    aacPacketType: 1,
    data: Buffer.from([9]),
  });
  // MP3, 22 kHz, 16-bit, mono.
  expect(parseAudioTagBody(Buffer.from('2a77', 'hex'))).toEqual({ soundFormat: 2, soundRate: 2, soundSize: 1, soundType: 0, data: Buffer.from([0x77]) });
});

test('truncated bodies throw FLV_TRUNCATED', () => {
  for (const action of [() => parseVideoTagBody(Buffer.alloc(0)), () => parseVideoTagBody(Buffer.from('170100', 'hex')), () => parseAudioTagBody(Buffer.alloc(0)), () => parseAudioTagBody(Buffer.from('af', 'hex'))]) {
    expect(action).toThrow(expect.objectContaining({ name: 'RtmpProtocolError', code: 'FLV_TRUNCATED' }));
  }
});

test('a composition time beyond 24 signed bits throws FLV_BAD_VALUE', () => {
  expect(() => buildAvcNalu(true, Buffer.alloc(1), 0x800000)).toThrow(RtmpProtocolError);
});

test('onMetaData is the string onMetaData followed by an ECMA array', () => {
  const body = buildOnMetaData({ width: 320, height: 240, encoder: 'gateway', stereo: true });
  expect(body[13]).toBe(0x08);
  expect(decodeAmf0Sequence(body)).toEqual(['onMetaData', new AmfEcmaArray({ width: 320, height: 240, encoder: 'gateway', stereo: true })]);
});
