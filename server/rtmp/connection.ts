import type net from 'node:net';
import { TypedEmitter } from '../events/typed-emitter';
import { checkConnectionSnapshot, type ConnectionSnapshot } from './connection-snapshot';
import { ChunkReader, type ChunkReaderLimits } from './protocol/chunk-reader';
import { RtmpLimitError } from './limit-error';
import { ChunkWriter } from './protocol/chunk-writer';
import { ClientHandshake, ServerHandshake } from './protocol/handshake';
import {
  acknowledgementMessage,
  MessageType,
  type OutgoingRtmpMessage,
  parseUserControl,
  parseWindowAckSize,
  type RtmpMessage,
  setChunkSizeMessage,
  userControlMessage,
} from './protocol/messages';

/** Events of an {@link RtmpConnection}. */
export type RtmpConnectionEvents = {
  /** The handshake is complete: messages can be sent. */
  ready: [];
  /** A received message; protocol control messages arrive here after they have been applied. */
  message: [message: RtmpMessage];
  /** The socket closed; `error` is the socket or protocol error that caused it, if any. Emitted once. */
  close: [error: Error | undefined];
  /** After a send() returned false, the socket's send buffer has emptied (Node waits for empty, not for the mark). */
  drain: [];
};

/** How the connection behaves. */
export interface RtmpConnectionOptions {
  /** Which side of the handshake to play. */
  readonly role: 'client' | 'server';
  /** Limits applied to the peer's chunk stream (see ChunkReaderLimits for defaults). */
  readonly limits?: ChunkReaderLimits;
  /** Sees every message received and sent, for debug traces. */
  readonly trace?: (direction: 'in' | 'out', message: OutgoingRtmpMessage) => void;
  /**
   * Unsent bytes (see {@link RtmpConnection.unsentBytes}) past which the peer counts as not reading
   * and the connection is destroyed with an RtmpLimitError('rtmp_unsent_bytes'), bytes; default 256 KiB.
   */
  readonly maxUnsentBytes?: number;
}

/** A well-behaved peer leaves a few kB of control messages unread; this is a hundred times that. */
const DEFAULT_MAX_UNSENT_BYTES = 256 * 1024;
/**
 * Unsent control bytes above which the replies the peer asks for (PingResponse, Acknowledgement)
 * are withheld rather than queued, bytes: a peer that pings without reading would otherwise make
 * us queue a reply per ping, and each costs far more heap than its few bytes. Measured when the
 * peer's bytes arrive, before we answer them: the replies to one read flush only after it.
 */
const REPLY_WITHHOLD_BYTES = 16 * 1024;
/** Header of a withheld reply (type 0), counted with its payload, bytes. */
const REPLY_HEADER_BYTES = 12;
/**
 * Message types whose bytes are not counted as unsent: their senders (a player's or a push's FLV
 * output) pause over a 64 KiB high-water mark and hold the rest in a bounded reader queue.
 */
const MEDIA_TYPES: ReadonlySet<number> = new Set([MessageType.AUDIO, MessageType.VIDEO, MessageType.DATA_AMF0, MessageType.DATA_AMF3]);

/**
 * One RTMP connection over an open socket, for either role: runs the handshake, chunks outgoing
 * messages, reassembles incoming ones and keeps the protocol-level duties that need no
 * application decision — honouring the peer's Set Chunk Size and Abort, acknowledging received
 * bytes per its Window Acknowledgement Size, and answering PingRequest with PingResponse.
 *
 * What a peer that does not read can make it hold is bounded: those replies are withheld while
 * 16 kB of control messages wait unread, and the connection is destroyed past maxUnsentBytes.
 */
export class RtmpConnection extends TypedEmitter<RtmpConnectionEvents> {
  readonly #socket: net.Socket;
  #reader: ChunkReader;
  readonly #writer = new ChunkWriter();
  readonly #trace: RtmpConnectionOptions['trace'];
  #handshake: ClientHandshake | ServerHandshake | undefined;
  #bytesSent = 0;
  #bytesReceived = 0;
  #windowAckSize = 0;
  #lastAcknowledged = 0;
  readonly #maxUnsentBytes: number;
  /** Bytes of non-media writes still in the socket's buffer. */
  #unsentControl = 0;
  /** Bytes of replies withheld since the peer last read below REPLY_WITHHOLD_BYTES. */
  #withheld = 0;
  /** The peer had more than REPLY_WITHHOLD_BYTES unread when its current bytes arrived. */
  #peerBehind = false;
  #error: Error | undefined;
  #closed = false;
  /** Handed over (detach()): the socket belongs to someone else. */
  #detached = false;
  /** Messages of one read are being delivered: a detach now would lose the rest. */
  #delivering = false;
  /** Bytes the previous owner read and did not parse, for resumeReading(). */
  #unread: Buffer | undefined;
  // The socket listeners, kept to be removed by detach().
  readonly #onSocketData = (data: Buffer): void => this.#onData(data);
  readonly #onSocketError = (error: Error): void => {
    this.#error ??= error;
  };
  readonly #onSocketDrain = (): void => void this.emit('drain');
  readonly #onSocketClose = (): void => {
    this.#closed = true;
    this.emit('close', this.#error);
  };

  constructor(socket: net.Socket, options: RtmpConnectionOptions) {
    super();
    this.#socket = socket;
    this.#reader = new ChunkReader(options.limits);
    this.#trace = options.trace;
    this.#maxUnsentBytes = options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
    socket.on('data', this.#onSocketData);
    socket.on('error', this.#onSocketError);
    socket.on('drain', this.#onSocketDrain);
    socket.on('close', this.#onSocketClose);
    if (options.role === 'client') {
      const handshake = new ClientHandshake();
      this.#handshake = handshake;
      this.#writeControl(handshake.start());
    } else {
      this.#handshake = new ServerHandshake();
    }
  }

  /**
   * Continues, on `socket`, the connection another RtmpConnection detached (possibly in another
   * process): handshake done, the same chunk sizes, counters and partly parsed input. Nothing is
   * read until resumeReading(), so the owner can set up its handlers first. Throws an Error for a
   * snapshot out of range.
   */
  static resume(socket: net.Socket, snapshot: ConnectionSnapshot, options: Omit<RtmpConnectionOptions, 'role'>): RtmpConnection {
    checkConnectionSnapshot(snapshot);
    const reader = ChunkReader.restore(snapshot.reader, options.limits);
    socket.pause();
    const connection = new RtmpConnection(socket, { ...options, role: 'server' });
    connection.#handshake = undefined;
    connection.#reader = reader;
    connection.#writer.setChunkSize(snapshot.outgoingChunkSize);
    connection.#bytesSent = snapshot.bytesSent;
    connection.#bytesReceived = snapshot.bytesReceived;
    connection.#windowAckSize = snapshot.windowAckSize;
    connection.#lastAcknowledged = snapshot.lastAcknowledged;
    connection.#unread = Buffer.from(snapshot.unread);
    return connection;
  }

  /** Bytes written to the socket, handshake included. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Bytes read from the socket, handshake included. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Bytes queued in the socket and not yet handed to the kernel (back-pressure indicator). */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * Bytes the peer has been sent or asked for and not yet taken, media excepted: non-media messages
   * (handshake, commands, statuses, control) still in the socket's buffer, plus replies withheld.
   */
  get unsentBytes(): number {
    return this.#unsentControl + this.#withheld;
  }

  /** True once the handshake completed and until the socket closes. */
  get ready(): boolean {
    return this.#handshake === undefined && !this.#closed;
  }

  /** True once detach() handed the socket over. */
  get detached(): boolean {
    return this.#detached;
  }

  /** True after the socket closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Chunks and writes one message; returns false when the socket buffer is over its high-water mark
   * ('drain' follows). Ignored once closed. The payload is written by reference: do not modify it afterwards.
   * A non-media message that takes unsentBytes past maxUnsentBytes destroys the connection.
   */
  send(message: OutgoingRtmpMessage): boolean {
    if (this.#handshake !== undefined) throw new Error('RtmpConnection.send() before the handshake completed');
    if (!this.#writable()) return false;
    this.#trace?.('out', message);
    const parts = this.#writer.write(message);
    if (!MEDIA_TYPES.has(message.typeId)) {
      // Small and few: one copied buffer is one write to account for, not one per chunk.
      const belowHighWater = this.#writeControl(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      this.#enforceUnsentLimit();
      return belowHighWater;
    }
    // Corked, the headers and payload views leave in one writev instead of one write each
    // (inside batch() the socket is corked already: this inner cork only adds a level).
    this.#socket.cork();
    let belowHighWater = true;
    for (const part of parts) belowHighWater = this.#write(part);
    this.#socket.uncork();
    return belowHighWater;
  }

  /** Runs `writes` with the socket corked, so the messages they send leave in one system call. */
  batch(writes: () => void): void {
    if (this.#detached) {
      writes();
      return;
    }
    this.#socket.cork();
    try {
      writes();
    } finally {
      this.#socket.uncork();
    }
  }

  /** Announces and applies a new outgoing chunk size, bytes (1..16 MiB). */
  setChunkSize(size: number): void {
    this.send(setChunkSizeMessage(size));
    this.#writer.setChunkSize(size);
  }

  /** Half-closes after the queued bytes are written; the peer is expected to close in turn. */
  end(): void {
    if (this.#detached) return;
    this.#socket.end();
  }

  /** Closes immediately; `error` is reported by the 'close' event. Does nothing once detached. */
  destroy(error?: Error): void {
    if (this.#detached) return;
    this.#error ??= error;
    this.#socket.destroy();
  }

  /** Stops reading the socket; what the peer sends meanwhile waits in the socket (for detach()). */
  pauseReading(): void {
    if (!this.#detached) this.#socket.pause();
  }

  /** Parses the bytes a detached connection left unread (see resume()), then reads the socket again. */
  resumeReading(): void {
    if (this.#detached || this.#closed) return;
    const unread = this.#unread;
    this.#unread = undefined;
    if (unread !== undefined && unread.length > 0) this.#onData(unread);
    if (!this.#detached) this.#socket.resume();
  }

  /**
   * Resolves true once everything written has left for the kernel (at once if it has), false if
   * that takes over `timeoutMs` or the socket closes first: a socket handed over with bytes still
   * queued here would lose them.
   */
  whenFlushed(timeoutMs: number): Promise<boolean> {
    const flushed = (): boolean => this.#socket.writableLength === 0;
    if (flushed() || this.#closed) return Promise.resolve(flushed() && !this.#closed);
    return new Promise((resolve) => {
      const started = Date.now();
      // Node emits no event when its write buffer empties below the high-water mark: poll, on this rare path only.
      const poll = setInterval(() => {
        if (!flushed() && !this.#closed && Date.now() - started < timeoutMs) return;
        clearInterval(poll);
        resolve(flushed() && !this.#closed);
      }, 10);
    });
  }

  /**
   * Hands the connection over: stops reading (the bytes the socket already read are taken along),
   * removes this connection's listeners from the socket and returns what RtmpConnection.resume()
   * needs to continue. Afterwards this one never touches the socket nor emits 'close'. Throws if
   * the handshake is not done, the socket closed, or messages of a read are still being delivered.
   */
  detach(): ConnectionSnapshot {
    if (this.#handshake !== undefined || this.#closed || this.#detached || this.#socket.destroyed) throw new Error('RtmpConnection.detach() on a connection that is not open and ready');
    if (this.#delivering) throw new Error('RtmpConnection.detach() while delivering received messages');
    this.#detached = true;
    const socket = this.#socket;
    socket.pause();
    socket.off('data', this.#onSocketData);
    socket.off('error', this.#onSocketError);
    socket.off('drain', this.#onSocketDrain);
    socket.off('close', this.#onSocketClose);
    const unread: Buffer[] = this.#unread === undefined ? [] : [this.#unread];
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) unread.push(chunk);
    return {
      reader: this.#reader.snapshot(),
      outgoingChunkSize: this.#writer.chunkSize,
      bytesSent: this.#bytesSent,
      bytesReceived: this.#bytesReceived,
      windowAckSize: this.#windowAckSize,
      lastAcknowledged: this.#lastAcknowledged,
      unread: new Uint8Array(Buffer.concat(unread)),
    };
  }

  #writable(): boolean {
    return !this.#detached && !this.#socket.destroyed && !this.#socket.writableEnded;
  }

  #write(bytes: Buffer): boolean {
    this.#bytesSent += bytes.length;
    return this.#socket.write(bytes);
  }

  /** Writes non-media bytes, counted as unsent until the socket hands them to the kernel. */
  #writeControl(bytes: Buffer): boolean {
    this.#bytesSent += bytes.length;
    this.#unsentControl += bytes.length;
    return this.#socket.write(bytes, () => {
      this.#unsentControl -= bytes.length;
    });
  }

  /** Sends a reply the peer asked for, or withholds it (still counted as unsent) while the peer leaves our control messages unread. */
  #reply(message: RtmpMessage): void {
    if (!this.#peerBehind) {
      this.send(message);
      return;
    }
    this.#withheld += REPLY_HEADER_BYTES + message.payload.length;
    this.#enforceUnsentLimit();
  }

  #enforceUnsentLimit(): void {
    if (this.unsentBytes <= this.#maxUnsentBytes || this.#socket.destroyed) return;
    this.destroy(new RtmpLimitError('rtmp_unsent_bytes', `the peer left ${this.unsentBytes} bytes of control messages and replies unread (limit ${this.#maxUnsentBytes})`));
  }

  #onData(data: Buffer): void {
    this.#bytesReceived += data.length;
    this.#peerBehind = this.#unsentControl > REPLY_WITHHOLD_BYTES;
    // The peer took what we sent: the replies it was denied before no longer count against it.
    if (!this.#peerBehind) this.#withheld = 0;
    // What the messages of one read make us send (replies, acknowledgements) leaves in one write.
    this.batch(() => this.#read(data));
  }

  #read(data: Buffer): void {
    try {
      let chunks = data;
      if (this.#handshake !== undefined) {
        const step = this.#handshake.push(data);
        if (step.send !== undefined) this.#writeControl(step.send);
        if (!step.done) return;
        this.#handshake = undefined;
        this.emit('ready');
        chunks = step.rest;
      }
      this.#delivering = true;
      for (const message of this.#reader.push(chunks)) {
        if (this.#socket.destroyed) return;
        this.#trace?.('in', message);
        this.#applyControl(message);
        this.emit('message', message);
      }
      this.#acknowledge();
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#delivering = false;
    }
  }

  #applyControl(message: RtmpMessage): void {
    if (message.typeId === MessageType.WINDOW_ACK_SIZE) {
      this.#windowAckSize = parseWindowAckSize(message.payload);
    } else if (message.typeId === MessageType.USER_CONTROL) {
      const control = parseUserControl(message.payload);
      if (control.event === 'pingRequest') this.#reply(userControlMessage({ event: 'pingResponse', timestamp: control.timestamp }));
    }
  }

  #acknowledge(): void {
    if (this.#windowAckSize === 0 || this.#bytesReceived - this.#lastAcknowledged < this.#windowAckSize) return;
    this.#lastAcknowledged = this.#bytesReceived;
    this.#reply(acknowledgementMessage(this.#bytesReceived));
  }
}
