import { randomFillSync } from 'node:crypto';
import { ByteQueue } from './byte-queue';
import { RtmpProtocolError } from './errors';

/**
 * The RTMP "simple" handshake (RTMP spec 5.2), for both roles.
 *
 *   client → C0 (1 byte: version 3) + C1 (1536 bytes: time, 4 zero bytes, random)
 *   server → S0 + S1 (time, 4 zero bytes, random) + S2 (echo of C1)
 *   client → C2 (echo of S1)
 *
 * Clients that attempt the Flash digest handshake (ffmpeg, OBS/librtmp: C1 bytes 4..7 hold a
 * player version) are answered the same way: S1 carries version bytes 0, which tells them the
 * server does not sign, so they neither validate S2 nor expect a signed one.
 *
 * Both classes are fed whatever bytes arrive; each step says what to send and, once done,
 * returns the bytes that followed the handshake (the first RTMP chunks) as `rest`.
 */

/** Size of C1, C2, S1 and S2, bytes. */
export const HANDSHAKE_PACKET_SIZE = 1536;
/** The plain-RTMP protocol version carried in C0 and S0. */
export const RTMP_VERSION = 3;

/** Result of feeding bytes to a handshake. */
export interface HandshakeStep {
  /** Bytes to write to the peer now, if any. */
  readonly send?: Buffer;
  /** True once the handshake is complete; later chunks start at `rest`. */
  readonly done: boolean;
  /** Bytes received after the handshake (empty until done). */
  readonly rest: Buffer;
}

const NOT_YET: HandshakeStep = { done: false, rest: Buffer.alloc(0) };

/** Client side: call `start()` and send its bytes, then `push()` what the server sends. */
export class ClientHandshake {
  readonly #queue = new ByteQueue();
  #state: 'new' | 'awaiting-s0s1' | 'awaiting-s2' | 'done' = 'new';

  /** C0 + C1, 1537 bytes. */
  start(): Buffer {
    if (this.#state !== 'new') throw new Error('ClientHandshake.start() called twice');
    this.#state = 'awaiting-s0s1';
    const c0c1 = Buffer.alloc(1 + HANDSHAKE_PACKET_SIZE);
    c0c1[0] = RTMP_VERSION;
    // Time (bytes 1..4) and version (5..8) stay zero: zero version asks for the simple handshake.
    randomFillSync(c0c1, 9);
    return c0c1;
  }

  /** Feeds bytes from the server. Throws RtmpProtocolError('HANDSHAKE_VERSION') if S0 is not 3. */
  push(data: Buffer): HandshakeStep {
    if (this.#state === 'new' || this.#state === 'done') throw new Error(`ClientHandshake.push() in state ${this.#state}`);
    this.#queue.push(data);
    let send: Buffer | undefined;
    if (this.#state === 'awaiting-s0s1' && this.#queue.length >= 1 + HANDSHAKE_PACKET_SIZE) {
      const version = this.#queue.take(1)[0]!;
      if (version !== RTMP_VERSION) throw new RtmpProtocolError('HANDSHAKE_VERSION', `server answered RTMP version ${version}, expected ${RTMP_VERSION}`, 0);
      send = echo(this.#queue.take(HANDSHAKE_PACKET_SIZE));
      this.#state = 'awaiting-s2';
    }
    if (this.#state === 'awaiting-s2' && this.#queue.length >= HANDSHAKE_PACKET_SIZE) {
      // S2 should echo C1; servers that sign it differ, and nothing depends on it, so it is not checked.
      this.#queue.skip(HANDSHAKE_PACKET_SIZE);
      this.#state = 'done';
      return { send, done: true, rest: this.#queue.drain() };
    }
    return send === undefined ? NOT_YET : { send, done: false, rest: NOT_YET.rest };
  }
}

/** Server side: `push()` what the client sends and write back each step's `send`. */
export class ServerHandshake {
  readonly #queue = new ByteQueue();
  #state: 'awaiting-c0c1' | 'awaiting-c2' | 'done' = 'awaiting-c0c1';

  /** Feeds bytes from the client. Throws RtmpProtocolError('HANDSHAKE_VERSION') if C0 is not 3 (e.g. 6, RTMPE). */
  push(data: Buffer): HandshakeStep {
    if (this.#state === 'done') throw new Error('ServerHandshake.push() after completion');
    this.#queue.push(data);
    let send: Buffer | undefined;
    if (this.#state === 'awaiting-c0c1' && this.#queue.length >= 1) {
      const version = this.#queue.peek(1)[0]!;
      if (version !== RTMP_VERSION) throw new RtmpProtocolError('HANDSHAKE_VERSION', `client requested RTMP version ${version}, only ${RTMP_VERSION} is supported`, 0);
      if (this.#queue.length >= 1 + HANDSHAKE_PACKET_SIZE) {
        this.#queue.skip(1);
        send = serverReply(this.#queue.take(HANDSHAKE_PACKET_SIZE));
        this.#state = 'awaiting-c2';
      }
    }
    if (this.#state === 'awaiting-c2' && this.#queue.length >= HANDSHAKE_PACKET_SIZE) {
      // C2 should echo S1; digest-handshake clients send their own signature instead, so it is not checked.
      this.#queue.skip(HANDSHAKE_PACKET_SIZE);
      this.#state = 'done';
      return { send, done: true, rest: this.#queue.drain() };
    }
    return send === undefined ? NOT_YET : { send, done: false, rest: NOT_YET.rest };
  }
}

/** C2/S2: the peer's packet with bytes 4..7 ("time2") set to when we read it (0: we keep no clock). */
function echo(peerPacket: Buffer): Buffer {
  const reply = Buffer.from(peerPacket);
  reply.writeUInt32BE(0, 4);
  return reply;
}

/** S0 + S1 + S2 in one write: S1 has zero time and zero version bytes (no digest), S2 echoes C1. */
function serverReply(c1: Buffer): Buffer {
  const reply = Buffer.alloc(1 + 2 * HANDSHAKE_PACKET_SIZE);
  reply[0] = RTMP_VERSION;
  randomFillSync(reply, 9, HANDSHAKE_PACKET_SIZE - 8);
  const s2 = 1 + HANDSHAKE_PACKET_SIZE;
  c1.copy(reply, s2);
  reply.writeUInt32BE(0, s2 + 4);
  return reply;
}
