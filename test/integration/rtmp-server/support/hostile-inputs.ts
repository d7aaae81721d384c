import type { LimitName } from '../../../../server/metrics/limits';
import { encodeAmf0 } from '../../../../server/rtmp/protocol/amf0';
import { ChunkWriter } from '../../../../server/rtmp/protocol/chunk-writer';
import { HANDSHAKE_PACKET_SIZE, RTMP_VERSION } from '../../../../server/rtmp/protocol/handshake';
import { commandMessage, MessageType, type RtmpMessage, setChunkSizeMessage, userControlMessage } from '../../../../server/rtmp/protocol/messages';
import { Prng } from '../../../support/prng';

/** One hostile input: what it tries, and the bytes a client sends before hanging up (see FloodInput for clients that do not hang up). */
export interface HostileInput {
  readonly kind: string;
  readonly bytes: Buffer;
}

const COMMAND_ROUTE = { chunkStreamId: 3, messageStreamId: 0 } as const;
const STREAM_ROUTE = { chunkStreamId: 8, messageStreamId: 1 } as const;

/** C0 + C1 + C2: a complete client handshake (the server does not check C2). */
function handshake(prng: Prng): Buffer {
  return Buffer.concat([Buffer.from([RTMP_VERSION]), prng.bytes(2 * HANDSHAKE_PACKET_SIZE)]);
}

function chunked(...messages: RtmpMessage[]): Buffer {
  const writer = new ChunkWriter();
  return Buffer.concat(messages.flatMap((message) => writer.write(message)));
}

function connectCommand(): RtmpMessage {
  return commandMessage({ name: 'connect', transactionId: 1, commandObject: { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }, args: [] }, COMMAND_ROUTE);
}

/** Flips, cuts or overwrites bytes of `payload`. */
function mutate(prng: Prng, payload: Buffer): Buffer {
  const out = Buffer.from(payload);
  const edits = 1 + prng.below(4);
  for (let i = 0; i < edits; i++) out[prng.below(out.length)] = prng.below(256);
  return prng.below(3) === 0 ? out.subarray(0, prng.below(out.length)) : out;
}

/** A raw Set Chunk Size message with any 32-bit value (the builder refuses invalid sizes). */
function rawSetChunkSize(value: number): Buffer {
  const header = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, MessageType.SET_CHUNK_SIZE, 0, 0, 0, 0]);
  const body = Buffer.alloc(4);
  body.writeUInt32BE(value >>> 0);
  return Buffer.concat([header, body]);
}

/** The kinds of hostile input, each a generator of one case. */
const GENERATORS: Readonly<Record<string, (prng: Prng) => Buffer>> = {
  'garbage bytes': (prng) => prng.bytes(1 + prng.below(2048)),
  'truncated handshake': (prng) => Buffer.concat([Buffer.from([RTMP_VERSION]), prng.bytes(prng.below(2 * HANDSHAKE_PACKET_SIZE))]),
  'wrong protocol version': (prng) => Buffer.concat([Buffer.from([(RTMP_VERSION + 1 + prng.below(255)) % 256]), prng.bytes(prng.below(HANDSHAKE_PACKET_SIZE * 2))]),
  'garbage chunks after the handshake': (prng) => Buffer.concat([handshake(prng), prng.bytes(1 + prng.below(1024))]),
  'hostile chunk sizes': (prng) => {
    const size = prng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 16 * 1024 * 1024, 16 * 1024 * 1024 + 1]);
    // Then a 32 kB message: one chunk after a huge chunk size, 32 768 after a 1-byte one.
    const big = { chunkStreamId: 5, timestamp: 0, typeId: MessageType.DATA_AMF0, messageStreamId: 0, payload: Buffer.alloc(32 * 1024, 0x5a) };
    const writer = new ChunkWriter();
    if (size >= 1 && size <= 16 * 1024 * 1024) writer.setChunkSize(size);
    return Buffer.concat([handshake(prng), rawSetChunkSize(size), ...writer.write(big)]);
  },
  'invalid AMF in connect': (prng) => {
    const connect = connectCommand();
    return Buffer.concat([handshake(prng), chunked({ ...connect, payload: mutate(prng, connect.payload as Buffer) })]);
  },
  'a message that announces 16 MiB and stops': (prng) => {
    const header = Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, MessageType.VIDEO, 1, 0, 0, 0]);
    return Buffer.concat([handshake(prng), header, prng.bytes(prng.below(8192))]);
  },
  'too many chunk streams': (prng) => {
    const messages = Array.from({ length: 40 + prng.below(40) }, (_, i) => ({ chunkStreamId: 3 + i, timestamp: 0, typeId: MessageType.ACKNOWLEDGEMENT, messageStreamId: 0, payload: Buffer.alloc(4) }));
    return Buffer.concat([handshake(prng), chunked(...messages)]);
  },
  'commands out of order or malformed': (prng) => {
    const names = ['publish', 'play', 'createStream', 'deleteStream', 'connect', 'FCPublish', '_result', 'closeStream'];
    const commands = Array.from({ length: 1 + prng.below(6) }, () =>
      commandMessage({ name: prng.pick(names), transactionId: prng.below(5), commandObject: prng.pick([null, { app: 7 }, 'x', []]), args: [prng.pick(['steady', '', 42, null])] }, prng.below(2) ? COMMAND_ROUTE : STREAM_ROUTE),
    );
    return Buffer.concat([handshake(prng), chunked(...(prng.below(2) ? [connectCommand()] : []), ...commands)]);
  },
  'random message types and bodies': (prng) => {
    const messages = Array.from({ length: 1 + prng.below(8) }, () => ({ chunkStreamId: 4 + prng.below(4), timestamp: prng.below(2 ** 32), typeId: prng.below(32), messageStreamId: prng.below(3), payload: prng.bytes(prng.below(600)) }));
    return Buffer.concat([handshake(prng), chunked(connectCommand(), ...messages)]);
  },
  'a publisher that sends broken media': (prng) => {
    const key = `fuzz${prng.below(1_000_000)}`;
    const setup = [
      connectCommand(),
      commandMessage({ name: 'createStream', transactionId: 2, commandObject: null, args: [] }, COMMAND_ROUTE),
      commandMessage({ name: 'publish', transactionId: 0, commandObject: null, args: [key, 'live'] }, STREAM_ROUTE),
    ];
    const heads = [0x17, 0x27, 0xaf, 0x12, 0x97];
    const media = Array.from({ length: 1 + prng.below(6) }, () => {
      const video = prng.below(2) === 0;
      const body = Buffer.concat([Buffer.from([prng.pick(heads), prng.below(3)]), prng.bytes(prng.below(64))]);
      return { chunkStreamId: video ? 6 : 4, timestamp: prng.below(1000), typeId: video ? MessageType.VIDEO : MessageType.AUDIO, messageStreamId: 1, payload: body };
    });
    const metadata = { chunkStreamId: 8, timestamp: 0, typeId: MessageType.DATA_AMF0, messageStreamId: 1, payload: mutate(prng, encodeAmf0('@setDataFrame', 'onMetaData', { videocodecid: 7 })) };
    return Buffer.concat([handshake(prng), chunked(...setup, metadata, ...media)]);
  },
};

/** `count` hostile inputs, the kinds in turn, from one seed. */
export function hostileInputs(seed: number, count: number): HostileInput[] {
  const prng = new Prng(seed);
  const kinds = Object.keys(GENERATORS);
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    return { kind, bytes: GENERATORS[kind]!(prng) };
  });
}

/**
 * A hostile client that never reads and never hangs up: it sends `opening`, then `flood` again and
 * again (at most `repeat` times) until the server drops it at `limit`.
 */
export interface FloodInput {
  readonly kind: FloodKind;
  /** Sent once, first: a handshake, maybe a connect. */
  readonly opening: Buffer;
  /** Sent after the opening, over and over; empty for a client that just stalls. */
  readonly flood: Buffer;
  /** Most times `flood` is sent, so every case is bounded. */
  readonly repeat: number;
  /** The limit the server drops this client at (the label of gateway_limit_reached_total). */
  readonly limit: LimitName;
}

/** Bytes of pings or commands each flood case sends at most: several times what loopback socket buffers hold. */
const FLOOD_BYTES = 24 * 1024 * 1024;
/** Chunk size the unfinished-messages case announces, bytes: few headers, many bytes. */
const BIG_CHUNK_SIZE = 64 * 1024;

/** The kinds of flood, each a generator of one case. */
const FLOOD_GENERATORS = {
  /** PingRequests as fast as the socket takes them: each asks for a PingResponse the client never reads. */
  'ping flood, never reading': (prng: Prng) => {
    const writer = new ChunkWriter();
    const count = 5000 + prng.below(5000);
    const pings = Array.from({ length: count }, () => writer.write(userControlMessage({ event: 'pingRequest', timestamp: prng.below(2 ** 32) })));
    const flood = Buffer.concat(pings.flat());
    return { opening: handshake(prng), flood, repeat: Math.ceil(FLOOD_BYTES / flood.length), limit: 'rtmp_unsent_bytes' as const };
  },
  /** After connect, calls to methods that do not exist: each is answered with an _error the client never reads. */
  'command flood, never reading': (prng: Prng) => {
    const writer = new ChunkWriter();
    const calls = Array.from({ length: 500 + prng.below(500) }, (_, i) => {
      const name = `m${prng.bytes(4 + prng.below(12)).toString('hex')}`;
      return writer.write(commandMessage({ name, transactionId: 2 + i, commandObject: null, args: [] }, COMMAND_ROUTE));
    });
    const flood = Buffer.concat(calls.flat());
    return { opening: Buffer.concat([handshake(prng), chunked(connectCommand())]), flood, repeat: Math.ceil(FLOOD_BYTES / flood.length), limit: 'rtmp_unsent_bytes' as const };
  },
  /**
   * Eight interleaved video messages (as many as the server lets be incomplete at once) of 6 to 8 MiB,
   * none ever finished: 48 MiB or more in all, each under the 8 MiB per message.
   */
  'unfinished messages': (prng: Prng) => {
    const streams = Array.from({ length: 8 }, (_, i) => ({ chunkStreamId: 4 + i, length: 6 * 1024 * 1024 + prng.below(2 * 1024 * 1024) }));
    const headers = streams.map(({ chunkStreamId, length }) => {
      const header = Buffer.from([chunkStreamId, 0, 0, 0, 0, 0, 0, MessageType.VIDEO, 1, 0, 0, 0]);
      header.writeUIntBE(length, 4, 3);
      return Buffer.concat([header, prng.bytes(BIG_CHUNK_SIZE)]);
    });
    const round = Buffer.concat(streams.map(({ chunkStreamId }) => Buffer.concat([Buffer.from([0xc0 | chunkStreamId]), prng.bytes(BIG_CHUNK_SIZE)])));
    const setChunkSize = chunked(setChunkSizeMessage(BIG_CHUNK_SIZE));
    // One chunk short of the shortest message, so no message ever completes.
    const repeat = Math.floor(Math.min(...streams.map((s) => s.length)) / BIG_CHUNK_SIZE) - 2;
    return { opening: Buffer.concat([handshake(prng), setChunkSize, ...headers]), flood: round, repeat, limit: 'rtmp_partial_message_bytes' as const };
  },
  /** C0 and part of C1, then nothing: a slot held for free. */
  'stalled handshake': (prng: Prng) => ({
    opening: Buffer.concat([Buffer.from([RTMP_VERSION]), prng.bytes(prng.below(HANDSHAKE_PACKET_SIZE))]),
    flood: Buffer.alloc(0),
    repeat: 0,
    limit: 'rtmp_handshake_timeout' as const,
  }),
} satisfies Readonly<Record<string, (prng: Prng) => Omit<FloodInput, 'kind'>>>;

/** A kind of flood input. */
export type FloodKind = keyof typeof FLOOD_GENERATORS;

/** Every kind of flood input. */
export const FLOOD_KINDS = Object.keys(FLOOD_GENERATORS) as FloodKind[];

/** `count` flood inputs of `kinds` (default: all), in turn, from one seed. */
export function floodInputs(seed: number, count: number, kinds: readonly FloodKind[] = FLOOD_KINDS): FloodInput[] {
  const prng = new Prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    return { kind, ...FLOOD_GENERATORS[kind](prng) };
  });
}
