import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import { buildFlvHeader, buildFlvTag, FlvStreamParser, FlvTagType } from '../../../server/rtmp/protocol/flv-stream';
import { splitAt } from './fixtures';

test('the writer produces the spec layout: 9-byte header, PreviousTagSize0, 11-byte tag headers, tag sizes', () => {
  expect(buildFlvHeader({ audio: true, video: true }).toString('hex')).toBe('464c5601' + '05' + '00000009' + '00000000');
  expect(buildFlvHeader({ audio: false, video: true })[4]).toBe(0x01);
  const tag = buildFlvTag(FlvTagType.VIDEO, 0x01020304, [Buffer.from([0x17]), Buffer.from([0x01])]);
  expect(tag.toString('hex')).toBe('09' + '000002' + '020304' + '01' + '000000' + '1701' + '0000000d');
});

test('the parser reads what the writer wrote, across any split, with extended timestamps', () => {
  const tags = [
    { type: FlvTagType.SCRIPT_DATA, timestamp: 0, streamId: 0, body: Buffer.from('020000', 'hex') },
    { type: FlvTagType.VIDEO, timestamp: 40, streamId: 0, body: Buffer.alloc(5000, 7) },
    { type: FlvTagType.AUDIO, timestamp: 0xfe000000, streamId: 0, body: Buffer.alloc(0) },
  ];
  const file = Buffer.concat([buildFlvHeader({ audio: true, video: true }), ...tags.map((t) => buildFlvTag(t.type, t.timestamp, t.body))]);
  for (const cuts of [[], [1, 3, 9, 12, 13, 20, 24, 30, 2000], Array.from({ length: file.length - 1 }, (_, i) => i + 1)]) {
    const parser = new FlvStreamParser();
    const parsed = splitAt(file, cuts).flatMap((part) => parser.push(part));
    expect(parsed).toEqual(tags);
    expect(parser.header).toEqual({ version: 1, hasAudio: true, hasVideo: true });
  }
});

test('skips a file header longer than 9 bytes and strips the filter bit from tag types', () => {
  const header = Buffer.from('464c5601010000000c' + 'aabbcc' + '00000000', 'hex');
  const tag = buildFlvTag(FlvTagType.VIDEO | 0x20, 1, Buffer.from([1]));
  expect(new FlvStreamParser().push(Buffer.concat([header, tag]))).toEqual([{ type: FlvTagType.VIDEO, timestamp: 1, streamId: 0, body: Buffer.from([1]) }]);
});

test('a stream that is not FLV throws FLV_BAD_HEADER as soon as its first bytes differ', () => {
  for (const bytes of ['47', '464c58', '464c5601050000000400000000']) {
    expect(() => new FlvStreamParser().push(Buffer.from(bytes, 'hex'))).toThrow(expect.objectContaining({ code: 'FLV_BAD_HEADER' }));
  }
  expect(() => new FlvStreamParser().push(Buffer.from('464c', 'hex'))).not.toThrow();
});

test('a tag body over 16 MiB - 1 cannot be written', () => {
  const half = Buffer.alloc(0x800000);
  expect(() => buildFlvTag(FlvTagType.VIDEO, 0, [half, half])).toThrow(RtmpProtocolError);
});
