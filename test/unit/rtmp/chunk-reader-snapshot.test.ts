import v8 from 'node:v8';
import { ChunkReader, type ChunkReaderSnapshot } from '../../../server/rtmp/protocol/chunk-reader';
import { ChunkWriter } from '../../../server/rtmp/protocol/chunk-writer';
import { MessageType, type OutgoingRtmpMessage, type RtmpMessage, setChunkSizeMessage } from '../../../server/rtmp/protocol/messages';

/** What crosses a process boundary with `serialization: 'advanced'`. */
const overIpc = <T>(value: T): T => v8.deserialize(v8.serialize(value)) as T;

const comparable = (messages: readonly RtmpMessage[]) => messages.map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('hex') }));

const media = (typeId: number, chunkStreamId: number, timestamp: number, length: number, fill: number): OutgoingRtmpMessage => ({
  chunkStreamId,
  timestamp,
  typeId,
  messageStreamId: 1,
  payload: Buffer.alloc(length, fill),
});

/**
 * A byte stream with what makes the reader's state interesting: multi-chunk messages (type 3
 * continuations), interleaved chunk streams, a type 3 header starting a message, an extended
 * timestamp, and a Set Chunk Size in the middle.
 */
function byteStream(): Buffer {
  const writer = new ChunkWriter();
  const parts: Buffer[] = [];
  const send = (message: OutgoingRtmpMessage): void => void parts.push(...writer.write(message));
  send(media(MessageType.VIDEO, 6, 0, 700, 0x11));
  send(media(MessageType.AUDIO, 4, 0, 20, 0x22));
  send(media(MessageType.AUDIO, 4, 23, 20, 0x23));
  send(media(MessageType.AUDIO, 4, 46, 20, 0x24));
  send(media(MessageType.VIDEO, 6, 40, 300, 0x12));
  send({ ...setChunkSizeMessage(300), messageStreamId: 0 });
  writer.setChunkSize(300);
  send(media(MessageType.VIDEO, 6, 80, 1000, 0x13));
  send(media(MessageType.VIDEO, 6, 0x1000000, 650, 0x14));
  send(media(MessageType.AUDIO, 4, 0x1000000, 10, 0x25));
  send(media(MessageType.VIDEO, 6, 0x1000028, 650, 0x15));
  return Buffer.concat(parts);
}

describe('ChunkReader snapshot and restore', () => {
  const bytes = byteStream();
  const whole = new ChunkReader().push(bytes);

  test('the stream holds what the test means to cover', () => {
    expect(whole.map((m) => m.typeId)).toContain(MessageType.SET_CHUNK_SIZE);
    expect(whole).toHaveLength(10);
  });

  test('a reader restored at any byte of the stream reads the rest as one reader would', () => {
    for (let at = 0; at <= bytes.length; at++) {
      const first = new ChunkReader();
      const before = first.push(bytes.subarray(0, at));
      const second = ChunkReader.restore(overIpc(first.snapshot()));
      // The rest in uneven pieces, so the restored reader also resumes mid-header and mid-payload.
      const after: RtmpMessage[] = [];
      for (let from = at; from < bytes.length; from += 97) after.push(...second.push(bytes.subarray(from, from + 97)));
      expect({ at, messages: comparable([...before, ...after]) }).toEqual({ at, messages: comparable(whole) });
      expect(second.chunkSize).toBe(300);
    }
  });

  test('a snapshot is plain data, and the snapshotted reader is unchanged by taking it', () => {
    const reader = new ChunkReader();
    const at = 400;
    const before = reader.push(bytes.subarray(0, at));
    const snapshot = reader.snapshot();
    expect(structuredClone(snapshot)).toEqual(snapshot);
    expect(snapshot.chunkStreams.find((s) => s.chunkStreamId === 6)?.partial).toBeDefined();
    expect(comparable([...before, ...reader.push(bytes.subarray(at))])).toEqual(comparable(whole));
  });

  test('a snapshot out of range or inconsistent is refused with a clear error', () => {
    const reader = new ChunkReader();
    reader.push(bytes.subarray(0, 200));
    const good = reader.snapshot();
    const video = good.chunkStreams.find((s) => s.chunkStreamId === 6)!;
    const others = good.chunkStreams.filter((s) => s !== video);
    const bad: Array<[string, ChunkReaderSnapshot]> = [
      ['chunk size 0', { ...good, chunkSize: 0 }],
      ['chunk size', { ...good, chunkSize: 64 }],
      ['chunk stream id 1', { ...good, chunkStreams: [{ ...video, chunkStreamId: 1 }] }],
      ['header of chunk stream 6', { ...good, chunkStreams: [...others, { ...video, length: 17 * 1024 * 1024 }] }],
      ['partial bytes of chunk stream 6', { ...good, chunkStreams: [...others, { ...video, partial: { ...video.partial!, bytes: new Uint8Array(3) } }] }],
      ['current chunk', { ...good, current: { chunkStreamId: 9, left: 1 } }],
      ['queued bytes', { ...good, queued: 'x' as unknown as Uint8Array }],
    ];
    for (const [what, snapshot] of bad) expect(() => ChunkReader.restore(snapshot, { minChunkSize: 128 })).toThrow(`invalid chunk reader snapshot: ${what}`);
    expect(() => ChunkReader.restore(good, { minChunkSize: 128 })).not.toThrow();
  });
});
