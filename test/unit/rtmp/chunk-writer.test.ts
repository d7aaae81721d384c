import { ChunkWriter } from '../../../server/rtmp/protocol/chunk-writer';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import { MessageType, type OutgoingRtmpMessage, setChunkSizeMessage } from '../../../server/rtmp/protocol/messages';
import { FFMPEG_CONNECT_CHUNKS, FFMPEG_CONNECT_PAYLOAD } from './fixtures';

function video(timestamp: number, length: number, messageStreamId = 1): OutgoingRtmpMessage {
  return { chunkStreamId: 6, timestamp, typeId: MessageType.VIDEO, messageStreamId, payload: Buffer.alloc(length, 0xab) };
}

/** The bytes a connection sends for the parts of one message. */
const joined = (parts: readonly Buffer[]): Buffer => Buffer.concat(parts);

const fmtOf = (parts: readonly Buffer[]): number => parts[0]![0]! >> 6;

test('reproduces the chunks FFmpeg sends for its connect command', () => {
  const writer = new ChunkWriter();
  const bytes = joined(writer.write({ chunkStreamId: 3, timestamp: 0, typeId: MessageType.COMMAND_AMF0, messageStreamId: 0, payload: FFMPEG_CONNECT_PAYLOAD }));
  expect(bytes.toString('hex')).toBe(FFMPEG_CONNECT_CHUNKS.toString('hex'));
});

test('writes a Set Chunk Size message with a type 0 header on chunk stream 2', () => {
  expect(joined(new ChunkWriter().write(setChunkSizeMessage(4096))).toString('hex')).toBe('02' + '000000' + '000004' + '01' + '00000000' + '00001000');
});

test('picks header types 0/1/2/3 from what changed on the chunk stream', () => {
  const writer = new ChunkWriter();
  const fmts = [
    video(0, 10), // first use → 0
    video(40, 10), // delta 40, after a type 0 → 2 (never 3 straight after 0)
    video(80, 10), // same delta, length, type → 3
    video(120, 12), // length changes → 1
    video(160, 12), // same delta 40 established by the type 1 → 3
    video(170, 12), // delta changes → 2
    video(100, 12), // timestamp goes back → 0
    video(140, 12, 2), // message stream changes → 0
  ].map((message) => fmtOf(writer.write(message)));
  expect(fmts).toEqual([0, 2, 3, 1, 3, 2, 0, 0]);
});

test('type 1/2/3 headers are 8, 4 and 1 bytes long', () => {
  const writer = new ChunkWriter();
  writer.write(video(0, 10));
  expect(joined(writer.write(video(33, 11))).length).toBe(8 + 11);
  expect(joined(writer.write(video(70, 11))).toString('hex')).toBe('86' + '000025' + 'ab'.repeat(11));
  expect(joined(writer.write(video(107, 11))).toString('hex')).toBe('c6' + 'ab'.repeat(11));
});

test('a timestamp that wraps past 2^32 is a small forward delta, not a restart', () => {
  const writer = new ChunkWriter();
  writer.write(video(0xfffffff0, 4));
  const next = joined(writer.write(video(2 ** 32 + 0x10, 4)));
  expect(next.subarray(0, 4).toString('hex')).toBe('86000020');
});

test('splits long payloads with type 3 continuation headers at the chunk size', () => {
  const writer = new ChunkWriter();
  writer.setChunkSize(100);
  const bytes = joined(writer.write(video(0, 250)));
  expect(bytes.length).toBe(12 + 250 + 2);
  expect(bytes[12 + 100]).toBe(0xc6);
  expect(bytes[12 + 100 + 1 + 100]).toBe(0xc6);
});

test('extended timestamps use 0xFFFFFF in the header and repeat the 4-byte value in continuation chunks', () => {
  const writer = new ChunkWriter();
  const bytes = joined(writer.write(video(0x01020304, 200)));
  expect(bytes.subarray(0, 16).toString('hex')).toBe('06' + 'ffffff' + '0000c8' + '09' + '01000000' + '01020304');
  expect(bytes.subarray(16 + 128, 16 + 128 + 5).toString('hex')).toBe('c6' + '01020304');
  expect(bytes.length).toBe(16 + 200 + 5);
  // A delta of exactly 0xFFFFFF is also extended.
  expect(joined(writer.write(video(0x01020304 + 0xffffff, 200))).subarray(0, 8).toString('hex')).toBe('86' + 'ffffff' + '00ffffff');
});

test('uses 2- and 3-byte basic headers for chunk stream ids from 64', () => {
  const basic = (chunkStreamId: number): string => joined(new ChunkWriter().write({ ...video(0, 1), chunkStreamId })).subarray(0, 3).toString('hex');
  expect(basic(63).slice(0, 2)).toBe('3f');
  expect(basic(64).slice(0, 4)).toBe('0000');
  expect(basic(319).slice(0, 4)).toBe('00ff');
  expect(basic(320)).toBe('010001');
  expect(basic(65599)).toBe('01ffff');
});

test('a payload given in parts is chunked exactly like the concatenated payload', () => {
  const parts = [Buffer.alloc(5, 1), Buffer.alloc(200, 2), Buffer.alloc(0), Buffer.alloc(70, 3)];
  const message = { chunkStreamId: 4, timestamp: 7, typeId: MessageType.AUDIO, messageStreamId: 1 };
  const fromParts = joined(new ChunkWriter().write({ ...message, payload: parts }));
  const fromBuffer = joined(new ChunkWriter().write({ ...message, payload: Buffer.concat(parts) }));
  expect(fromParts.equals(fromBuffer)).toBe(true);
});

test('an empty payload is a header-only chunk', () => {
  expect(joined(new ChunkWriter().write(video(5, 0))).toString('hex')).toBe('06' + '000005' + '000000' + '09' + '01000000');
});

/** Which payload part a written part is a view of, and where: 'p1 0..123'; 'header' for bytes from elsewhere. */
function origin(part: Buffer, payload: readonly Buffer[]): string {
  const index = payload.findIndex((p) => p.length > 0 && part.buffer === p.buffer && part.byteOffset >= p.byteOffset && part.byteOffset + part.length <= p.byteOffset + p.length);
  if (index < 0) return 'header';
  const start = part.byteOffset - payload[index]!.byteOffset;
  return `p${index} ${start}..${start + part.length}`;
}

describe('the payload is not copied: written parts are views of it', () => {
  test('a single Buffer (itself a view into a larger one) comes out as views between the chunk headers', () => {
    const payload = Buffer.alloc(300, 7).subarray(20, 270);
    const writer = new ChunkWriter();
    writer.setChunkSize(100);
    const parts = writer.write({ ...video(0, 0), payload });
    expect(parts.map((part) => origin(part, [payload]))).toEqual(['header', 'p0 0..100', 'header', 'p0 100..200', 'header', 'p0 200..250']);
    // All headers of the message share one small allocation.
    expect(new Set(parts.filter((part) => origin(part, [payload]) === 'header').map((part) => part.buffer)).size).toBe(1);
    payload[150] = 0x99; // a view sees a change made after write(); a copy would not
    expect(Buffer.concat(parts)[12 + 100 + 1 + 50]).toBe(0x99);
  });

  test('a payload in parts: a chunk spanning two parts is two views, an empty part none, a whole part itself', () => {
    const payload = [Buffer.alloc(5, 1), Buffer.alloc(200, 2), Buffer.alloc(0), Buffer.alloc(70, 3)];
    const parts = new ChunkWriter().write({ ...video(0, 0), payload });
    expect(parts.map((part) => origin(part, payload))).toEqual(['header', 'p0 0..5', 'p1 0..123', 'header', 'p1 123..200', 'p3 0..51', 'header', 'p3 51..70']);
    expect(parts[1]).toBe(payload[0]);
    expect(parts.every((part) => part.length > 0)).toBe(true);
  });
});

/**
 * The chunks of one message with a type 0 header on chunk stream 2..63, built byte by byte
 * straight from the RTMP spec (5.3.1) for comparison with the writer.
 */
function referenceChunks(message: OutgoingRtmpMessage & { payload: Buffer }, chunkSize: number): Buffer {
  const { chunkStreamId, timestamp, typeId, messageStreamId, payload } = message;
  const be = (value: number, size: number): number[] => Array.from({ length: size }, (_, i) => Math.floor(value / 256 ** (size - 1 - i)) % 256);
  const extended = timestamp >= 0xffffff ? be(timestamp, 4) : [];
  const bytes = [chunkStreamId, ...be(Math.min(timestamp, 0xffffff), 3), ...be(payload.length, 3), typeId, ...be(messageStreamId, 4).reverse(), ...extended];
  for (let offset = 0; offset < payload.length; offset += chunkSize) {
    if (offset > 0) bytes.push(0xc0 | chunkStreamId, ...extended);
    bytes.push(...payload.subarray(offset, offset + chunkSize));
  }
  return Buffer.from(bytes);
}

describe.each([128, 4096])('message lengths at chunk boundaries, chunk size %d, match a reference encoding', (chunkSize) => {
  test.each([
    ['0 bytes', 0],
    ['exactly one chunk', chunkSize],
    ['one chunk and one byte', chunkSize + 1],
    ['exactly three chunks', 3 * chunkSize],
  ])('%s', (_, length) => {
    const payload = Buffer.from(Array.from({ length }, (__, i) => (i * 7 + 3) % 256));
    for (const timestamp of [1000, 0x01020304]) {
      const message = { chunkStreamId: 6, timestamp, typeId: MessageType.VIDEO, messageStreamId: 1, payload };
      const expected = referenceChunks(message, chunkSize).toString('hex');
      // The same bytes whether the payload is one Buffer or three parts (cut at a third and before the last byte).
      const cuts = [Math.floor(length / 3), Math.max(0, length - 1)];
      for (const given of [payload, [payload.subarray(0, cuts[0]), payload.subarray(cuts[0], cuts[1]), payload.subarray(cuts[1])]]) {
        const writer = new ChunkWriter();
        if (chunkSize !== 128) writer.setChunkSize(chunkSize);
        expect(joined(writer.write({ ...message, payload: given })).toString('hex')).toBe(expected);
      }
    }
  });
});

test('rejects bad chunk stream ids, oversized messages and bad chunk sizes with RtmpProtocolError', () => {
  const writer = new ChunkWriter();
  const codeOf = (action: () => unknown): string | undefined => {
    try {
      action();
    } catch (error) {
      return error instanceof RtmpProtocolError ? error.code : 'not a protocol error';
    }
    return undefined;
  };
  expect(codeOf(() => writer.write({ ...video(0, 1), chunkStreamId: 1 }))).toBe('BAD_CHUNK_STREAM_ID');
  expect(codeOf(() => writer.write({ ...video(0, 1), chunkStreamId: 65600 }))).toBe('BAD_CHUNK_STREAM_ID');
  const half = Buffer.alloc(0x800000);
  expect(codeOf(() => writer.write({ ...video(0, 0), payload: [half, half] }))).toBe('MESSAGE_TOO_LARGE');
  expect(codeOf(() => writer.setChunkSize(0))).toBe('BAD_CHUNK_SIZE');
  expect(codeOf(() => writer.setChunkSize(16 * 1024 * 1024 + 1))).toBe('CHUNK_TOO_LARGE');
  expect(writer.chunkSize).toBe(128);
});
