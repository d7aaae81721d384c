import { ChunkReader, type ChunkReaderLimits } from '../../../server/rtmp/protocol/chunk-reader';
import { ChunkWriter } from '../../../server/rtmp/protocol/chunk-writer';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import { abortMessage, MessageType, type OutgoingRtmpMessage, type RtmpMessage, setChunkSizeMessage } from '../../../server/rtmp/protocol/messages';
import { FFMPEG_CONNECT_CHUNKS, FFMPEG_CONNECT_PAYLOAD, splitAt } from './fixtures';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function readAll(reader: ChunkReader, parts: readonly Buffer[]): RtmpMessage[] {
  return parts.flatMap((part) => reader.push(part));
}

function bytewise(bytes: Buffer): Buffer[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (!(error instanceof RtmpProtocolError)) throw error;
    return error.code;
  }
  return undefined;
}

/** Deterministic pseudo-random numbers (xorshift32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** One message chunked by `writer`, as the one Buffer a connection would send. */
const chunked = (writer: ChunkWriter, message: OutgoingRtmpMessage): Buffer => Buffer.concat(writer.write(message));

const expected = (message: RtmpMessage) => ({ ...message, payload: message.payload.toString('hex') });

describe('ChunkReader', () => {
  test("reassembles FFmpeg's connect command, whole or one byte at a time", () => {
    const connect = { chunkStreamId: 3, timestamp: 0, typeId: MessageType.COMMAND_AMF0, messageStreamId: 0 };
    for (const parts of [[FFMPEG_CONNECT_CHUNKS], bytewise(FFMPEG_CONNECT_CHUNKS)]) {
      const messages = readAll(new ChunkReader(), parts);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject(connect);
      expect(messages[0]!.payload.equals(FFMPEG_CONNECT_PAYLOAD)).toBe(true);
    }
  });

  test('reads back everything the writer produces: interleaved streams, chunk size changes, extended timestamps, any split', () => {
    const next = random(12345);
    const writer = new ChunkWriter();
    const sent: RtmpMessage[] = [];
    const stream: Buffer[] = [];
    const clocks = new Map<number, number>([
      [4, 0],
      [6, 0x00fffff0], // crosses into extended timestamps
      [8, 2 ** 32 - 500], // wraps at 2^32
      [400, 0],
    ]);
    for (let i = 0; i < 300; i++) {
      if (i % 50 === 25) {
        const size = [1, 7, 128, 4096, 60000][Math.floor(next() * 5)]!;
        const message = setChunkSizeMessage(size);
        stream.push(...writer.write(message));
        writer.setChunkSize(size);
        sent.push(message);
        continue;
      }
      const chunkStreamId = [4, 6, 8, 400][Math.floor(next() * 4)]!;
      const timestamp = (clocks.get(chunkStreamId)! + Math.floor(next() * 3) * 20) >>> 0;
      clocks.set(chunkStreamId, timestamp);
      const length = [0, 1, 127, 128, 129, 3000][Math.floor(next() * 6)]!;
      const payload = Buffer.alloc(length);
      for (let j = 0; j < length; j += 97) payload[j] = (i + j) & 0xff;
      const message: RtmpMessage = { chunkStreamId, timestamp, typeId: chunkStreamId === 4 ? MessageType.AUDIO : MessageType.VIDEO, messageStreamId: 1, payload };
      stream.push(...writer.write(message));
      sent.push(message);
    }
    const bytes = Buffer.concat(stream);
    const cuts: number[] = [];
    for (let at = Math.floor(next() * 50); at < bytes.length; at += 1 + Math.floor(next() * 700)) cuts.push(at);

    const reader = new ChunkReader();
    const received = readAll(reader, splitAt(bytes, cuts));
    expect(received.map(expected)).toEqual(sent.map(expected));
    expect(reader.chunkSize).toBe(writer.chunkSize);
  });

  test('reassembles messages whose chunks interleave across chunk streams', () => {
    const writer = new ChunkWriter();
    writer.setChunkSize(10);
    const audio = chunked(writer, { chunkStreamId: 4, timestamp: 1, typeId: MessageType.AUDIO, messageStreamId: 1, payload: Buffer.alloc(25, 0xaa) });
    const video = chunked(writer, { chunkStreamId: 6, timestamp: 2, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(25, 0xbb) });
    // Each message: 12-byte header + 10, then (1 + 10), then (1 + 5).
    const [a0, a1, a2] = splitAt(audio, [22, 33]);
    const [v0, v1, v2] = splitAt(video, [22, 33]);
    const reader = new ChunkReader();
    reader.push(setChunkSizeChunk(10));
    const messages = readAll(reader, [a0!, v0!, a1!, v1!, v2!, a2!]);
    expect(messages.map((m) => [m.chunkStreamId, m.payload.toString('hex')])).toEqual([
      [6, 'bb'.repeat(25)],
      [4, 'aa'.repeat(25)],
    ]);
  });

  test('derives timestamps from type 1/2/3 deltas, and a type 3 after a type 0 repeats the type 0 field as delta', () => {
    const reader = new ChunkReader();
    const messages = reader.push(
      hex(
        '06 0003e8 000001 09 01000000 01' + // type 0: ts 1000
          '86 000014 02' + // type 2: +20 → 1020
          'c6 03' + // type 3: +20 → 1040
          '46 00000a 000001 08 04' + // type 1: +10 → 1050, now audio
          '05 000064 000001 09 01000000 05' + // chunk stream 5, type 0: ts 100
          'c5 06', // type 3 right after type 0: +100 → 200 (FFmpeg/librtmp reading)
      ),
    );
    expect(messages.map((m) => [m.chunkStreamId, m.timestamp, m.typeId, m.payload[0]])).toEqual([
      [6, 1000, 9, 1],
      [6, 1020, 9, 2],
      [6, 1040, 9, 3],
      [6, 1050, 8, 4],
      [5, 100, 9, 5],
      [5, 200, 9, 6],
    ]);
  });

  test('reads extended timestamps on type 0 headers and in type 3 continuation chunks', () => {
    const writer = new ChunkWriter();
    const message: RtmpMessage = { chunkStreamId: 6, timestamp: 0x12345678, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(300, 7) };
    const [received] = readAll(new ChunkReader(), bytewise(chunked(writer, message)));
    expect(received).toMatchObject({ timestamp: 0x12345678 });
    expect(received!.payload.equals(message.payload)).toBe(true);
  });

  test('a type 1 header may open a chunk stream (message stream 0, time base 0), as FFmpeg accepts', () => {
    expect(new ChunkReader().push(hex('46 000010 000001 09 05'))).toEqual([{ chunkStreamId: 6, timestamp: 16, typeId: 9, messageStreamId: 0, payload: Buffer.from([5]) }]);
  });

  test('delivers zero-length messages', () => {
    expect(new ChunkReader().push(hex('03 000000 000000 14 00000000'))).toEqual([
      { chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.alloc(0) },
    ]);
  });

  test('applies Set Chunk Size at once, to the chunks that follow in the same push', () => {
    const writer = new ChunkWriter();
    const sizeMessage = chunked(writer, setChunkSizeMessage(300));
    writer.setChunkSize(300);
    const big = chunked(writer, { chunkStreamId: 6, timestamp: 0, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(250, 1) });
    const messages = new ChunkReader().push(Buffer.concat([sizeMessage, big]));
    expect(messages.map((m) => [m.typeId, m.payload.length])).toEqual([
      [MessageType.SET_CHUNK_SIZE, 4],
      [MessageType.VIDEO, 250],
    ]);
  });

  test('Abort discards the partial message on that chunk stream', () => {
    const writer = new ChunkWriter();
    const partial = chunked(writer, { chunkStreamId: 6, timestamp: 0, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(200, 1) }).subarray(0, 12 + 128);
    const abort = chunked(new ChunkWriter(), abortMessage(6));
    const fresh = chunked(new ChunkWriter(), { chunkStreamId: 6, timestamp: 40, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(3, 2) });
    const messages = new ChunkReader({ maxPartialMessages: 1 }).push(Buffer.concat([partial, abort, fresh, partial]));
    expect(messages.map((m) => [m.typeId, m.payload.toString('hex')])).toEqual([
      [MessageType.ABORT, '00000006'],
      [MessageType.VIDEO, '020202'],
    ]);
  });

  test('hands out single-chunk payloads as views of the input (no copy)', () => {
    const input = hex('04 000000 000002 08 01000000 af01');
    const [message] = new ChunkReader().push(input);
    expect(message!.payload.buffer).toBe(input.buffer);
  });

  test('allocates for a multi-chunk message only as its bytes arrive, not by its declared length', () => {
    const reader = new ChunkReader();
    const before = process.memoryUsage().arrayBuffers;
    // Declares 16 MiB - 1 bytes on each of 10 chunk streams, sends 128 bytes of each.
    for (let id = 10; id < 20; id++) reader.push(Buffer.concat([hex(`${id.toString(16).padStart(2, '0')} 000000 ffffff 09 01000000`), Buffer.alloc(128)]));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });
});

function setChunkSizeChunk(size: number): Buffer {
  return chunked(new ChunkWriter(), setChunkSizeMessage(size));
}

describe('ChunkReader rejects hostile or malformed input with RtmpProtocolError', () => {
  const read = (bytes: string, limits?: ChunkReaderLimits) => () => new ChunkReader(limits).push(hex(bytes));

  test.each([
    ['Set Chunk Size 0', 'BAD_CHUNK_SIZE', '02 000000 000004 01 00000000 00000000'],
    ['Set Chunk Size with the reserved bit', 'BAD_CHUNK_SIZE', '02 000000 000004 01 00000000 80000080'],
    ['Set Chunk Size over 16 MiB', 'CHUNK_TOO_LARGE', '02 000000 000004 01 00000000 01000001'],
    ['Set Chunk Size of 2 bytes', 'BAD_MESSAGE', '02 000000 000002 01 00000000 0080'],
    ['Abort of 1 byte', 'BAD_MESSAGE', '02 000000 000001 02 00000000 06'],
    ['type 3 header on an unused chunk stream', 'BAD_CHUNK_HEADER', 'c6 00'],
    ['type 2 header on an unused chunk stream', 'BAD_CHUNK_HEADER', '86 000001 00'],
  ])('%s → %s', (_name, code, bytes) => {
    expect(errorCode(read(bytes))).toBe(code);
  });

  test('a declared length over the limit fails on the header, before any payload', () => {
    expect(errorCode(read('06 000000 100000 09 01000000', { maxMessageLength: 0xfffff }))).toBe('MESSAGE_TOO_LARGE');
  });

  test('a new type 0 header while a message is incomplete on that chunk stream', () => {
    expect(errorCode(read(`06 000000 0000c8 09 01000000 ${'00'.repeat(128)} 06 000000 000001 09 01000000 00`))).toBe('BAD_CHUNK_HEADER');
  });

  test('too many partial messages at once', () => {
    const start = (id: number) => `${id.toString(16).padStart(2, '0')} 000000 0000c8 09 01000000 ${'00'.repeat(128)}`;
    expect(errorCode(read(start(4) + start(5), { maxPartialMessages: 2 }))).toBeUndefined();
    expect(errorCode(read(start(4) + start(5) + start(6), { maxPartialMessages: 2 }))).toBe('TOO_MANY_PARTIAL_MESSAGES');
  });

  test('incomplete messages that together would hold more than maxPartialMessageBytes: refused before the reader allocates past it', () => {
    const budget = 64 * 1024;
    const writer = new ChunkWriter();
    // Eight messages of 60 000 bytes, chunks interleaved, each left short of its last chunk.
    const starts = Array.from({ length: 8 }, (_, i) => chunked(writer, { chunkStreamId: 4 + i, timestamp: 0, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(60_000, i) }));
    const reader = new ChunkReader({ maxPartialMessages: 8, maxPartialMessageBytes: budget });
    const allocated = jest.spyOn(Buffer, 'allocUnsafe');
    let accepted = 0;
    let code: string | undefined;
    for (let offset = 0; offset < 60_000 && code === undefined; offset += 128) {
      for (const start of starts) {
        // Chunk n of a message: its 12-byte (first) or 1-byte header and 128 payload bytes.
        const chunk = offset === 0 ? start.subarray(0, 12 + 128) : start.subarray(12 + offset + offset / 128 - 1, 12 + offset + offset / 128 + 128);
        code = errorCode(() => reader.push(chunk));
        if (code !== undefined) break;
        accepted += 128;
      }
    }
    const allocations = allocated.mock.calls.reduce((sum, [size]) => sum + size, 0);
    allocated.mockRestore();
    expect(code).toBe('PARTIAL_MESSAGE_BYTES');
    expect(accepted).toBeLessThanOrEqual(budget);
    expect(accepted).toBeGreaterThan(budget - 8 * 128);
    // Every buffer ever allocated, outgrown ones included: each message's doublings sum to under twice its last one.
    expect(allocations).toBeLessThanOrEqual(2 * budget);
  });

  test('a message as large as maxPartialMessageBytes still assembles; the budget is free again once it completes', () => {
    const writer = new ChunkWriter();
    const big = { chunkStreamId: 6, timestamp: 0, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.alloc(100_000, 7) };
    const reader = new ChunkReader({ maxPartialMessageBytes: 100_000 });
    const messages = [...reader.push(chunked(writer, big)), ...reader.push(chunked(writer, big))];
    expect(messages.map((m) => m.payload.length)).toEqual([100_000, 100_000]);
    expect(errorCode(() => new ChunkReader({ maxPartialMessageBytes: 99_999 }).push(chunked(new ChunkWriter(), big)))).toBe('PARTIAL_MESSAGE_BYTES');
  });

  test('too many chunk streams', () => {
    const message = (id: number) => `${id.toString(16).padStart(2, '0')} 000000 000001 09 01000000 00`;
    expect(errorCode(read(message(4) + message(5) + message(6), { maxChunkStreams: 3 }))).toBeUndefined();
    expect(errorCode(read(message(4) + message(5) + message(6) + message(7), { maxChunkStreams: 3 }))).toBe('TOO_MANY_CHUNK_STREAMS');
  });

  test('random garbage never escapes as anything but RtmpProtocolError', () => {
    const next = random(99);
    for (let round = 0; round < 500; round++) {
      const garbage = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256)));
      const reader = new ChunkReader({ maxMessageLength: 4096 });
      expect(() => {
        try {
          reader.push(garbage);
        } catch (error) {
          if (!(error instanceof RtmpProtocolError)) throw error;
        }
      }).not.toThrow();
    }
  });
});

describe('ChunkReader minChunkSize', () => {
  test('a Set Chunk Size below the floor is refused before another chunk is parsed', () => {
    const writer = new ChunkWriter();
    const reader = new ChunkReader({ minChunkSize: 128 });
    const tiny = chunked(writer, setChunkSizeMessage(1));
    expect(() => reader.push(tiny)).toThrow(expect.objectContaining({ code: 'BAD_CHUNK_SIZE', message: 'chunk size 1 is below the 128 bytes accepted' }));
    expect(reader.chunkSize).toBe(128);
    const fine = new ChunkReader({ minChunkSize: 128 });
    fine.push(chunked(new ChunkWriter(), setChunkSizeMessage(4096)));
    expect(fine.chunkSize).toBe(4096);
  });
});
