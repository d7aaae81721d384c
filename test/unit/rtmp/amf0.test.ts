import { AmfEcmaArray, type AmfValue, decodeAmf0, decodeAmf0Sequence, encodeAmf0 } from '../../../server/rtmp/protocol/amf0';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import { FFMPEG_CONNECT_PAYLOAD } from './fixtures';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function expectProtocolError(action: () => unknown, code: string): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(RtmpProtocolError);
  expect((caught as RtmpProtocolError).code).toBe(code);
}

describe('AMF0 encoding matches the spec byte for byte', () => {
  test.each<[string, AmfValue, string]>([
    ['number 1', 1, '00 3ff0000000000000'],
    ['number -0.5', -0.5, '00 bfe0000000000000'],
    ['true', true, '01 01'],
    ['false', false, '01 00'],
    ['string', 'live', '02 0004 6c697665'],
    ['empty string', '', '02 0000'],
    ['UTF-8 string', 'é', '02 0002 c3a9'],
    ['null', null, '05'],
    ['undefined', undefined, '06'],
    ['object', { a: 1 }, '03 0001 61 00 3ff0000000000000 0000 09'],
    ['strict array', [true, null], '0a 00000002 0101 05'],
    ['ECMA array', new AmfEcmaArray({ w: 2 }), '08 00000001 0001 77 00 4000000000000000 0000 09'],
    ['date', new Date(1000), '0b 408f400000000000 0000'],
  ])('%s', (_name, value, bytes) => {
    expect(encodeAmf0(value).toString('hex')).toBe(hex(bytes).toString('hex'));
    expect(decodeAmf0(hex(bytes))).toEqual({ value, offset: hex(bytes).length });
  });

  test('a string over 65535 UTF-8 bytes becomes a long string and round-trips', () => {
    const text = 'x'.repeat(70_000);
    const encoded = encodeAmf0(text);
    expect(encoded.subarray(0, 5).toString('hex')).toBe('0c00011170');
    expect(decodeAmf0(encoded).value).toBe(text);
  });

  test('several values are written back to back', () => {
    expect(encodeAmf0('a', 2, null).toString('hex')).toBe('02000161' + '004000000000000000' + '05');
  });
});

describe('AMF0 decoding', () => {
  test("reads FFmpeg's connect command", () => {
    expect(decodeAmf0Sequence(FFMPEG_CONNECT_PAYLOAD)).toEqual([
      'connect',
      1,
      { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', tcUrl: 'rtmp://127.0.0.1:19399/live' },
    ]);
  });

  test('round-trips nested values', () => {
    const value: AmfValue = { level: 'status', list: [1, 'two', { three: [new AmfEcmaArray({ four: false })] }], nothing: null };
    expect(decodeAmf0(encodeAmf0(value)).value).toEqual(value);
  });

  test('objects have a null prototype, so a __proto__ key stays an ordinary property', () => {
    const decoded = decodeAmf0(hex('03 0009 5f5f70726f746f5f5f 05 0000 09')).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBeNull();
    expect(Object.keys(decoded)).toEqual(['__proto__']);
  });

  test('reads typed objects, XML documents and the unsupported marker leniently', () => {
    expect(decodeAmf0(hex('10 0001 43 0001 61 01 01 0000 09')).value).toEqual({ a: true });
    expect(decodeAmf0(hex('0f 00000002 3c61')).value).toBe('<a');
    expect(decodeAmf0(hex('0d')).value).toBeUndefined();
  });

  test('accepts an ECMA array missing its end marker at the end of the data', () => {
    expect(decodeAmf0(hex('08 00000001 0001 77 01 01')).value).toEqual(new AmfEcmaArray({ w: true }));
  });

  test('returns the offset after the value', () => {
    expect(decodeAmf0(hex('05 01 01'), 1)).toEqual({ value: true, offset: 3 });
  });
});

describe('AMF0 decoding rejects malformed input with RtmpProtocolError', () => {
  test.each([
    ['empty input', ''],
    ['truncated number', '00 3ff0'],
    ['truncated boolean', '01'],
    ['string longer than the data', '02 0010 6162'],
    ['long string longer than the data', '0c ffffffff 61'],
    ['object without end marker', '03 0001 61 05'],
    ['object with truncated key', '03 00'],
    ['strict array count beyond the data', '0a ffffffff 05'],
    ['truncated date', '0b 408f400000000000 00'],
  ])('%s → AMF_TRUNCATED', (_name, bytes) => {
    expectProtocolError(() => decodeAmf0(hex(bytes)), 'AMF_TRUNCATED');
  });

  test.each([
    ['movie clip', '04'],
    ['reference', '07 0001'],
    ['stray object end', '09'],
    ['record set', '0e'],
    ['AVM+ (AMF3) switch', '11 01'],
    ['unassigned marker', 'ff'],
  ])('%s → AMF_BAD_TYPE', (_name, bytes) => {
    expectProtocolError(() => decodeAmf0(hex(bytes)), 'AMF_BAD_TYPE');
  });

  test('nesting beyond the depth limit → AMF_TOO_DEEP, with no stack overflow', () => {
    const deep = Buffer.from('0a00000001'.repeat(20_000), 'hex'); // 20000 nested one-element arrays
    expectProtocolError(() => decodeAmf0(deep), 'AMF_TOO_DEEP');
    expectProtocolError(() => decodeAmf0(hex('0a00000001 0a00000001 05'), 0, { maxDepth: 1 }), 'AMF_TOO_DEEP');
  });

  test('error offsets point at the failing byte', () => {
    try {
      decodeAmf0(hex('03 0001 61 ff'));
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toMatchObject({ code: 'AMF_BAD_TYPE', offset: 4 });
    }
  });
});

describe('AMF0 encoding rejects values it cannot represent', () => {
  test('cyclic objects → AMF_TOO_DEEP', () => {
    const cyclic: Record<string, AmfValue> = {};
    cyclic['self'] = cyclic;
    expectProtocolError(() => encodeAmf0(cyclic), 'AMF_TOO_DEEP');
  });

  test('a property name over 65535 bytes → AMF_UNENCODABLE', () => {
    expectProtocolError(() => encodeAmf0({ ['k'.repeat(70_000)]: 1 }), 'AMF_UNENCODABLE');
  });
});
