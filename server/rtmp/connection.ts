import type net from 'node:net';
import { TypedEmitter } from '../events/typed-emitter';
import { ChunkReader, type ChunkReaderLimits } from './protocol/chunk-reader';
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
}

/**
 * One RTMP connection over an open socket, for either role: runs the handshake, chunks outgoing
 * messages, reassembles incoming ones and keeps the protocol-level duties that need no
 * application decision — honouring the peer's Set Chunk Size and Abort, acknowledging received
 * bytes per its Window Acknowledgement Size, and answering PingRequest with PingResponse.
 */
export class RtmpConnection extends TypedEmitter<RtmpConnectionEvents> {
  readonly #socket: net.Socket;
  readonly #reader: ChunkReader;
  readonly #writer = new ChunkWriter();
  readonly #trace: RtmpConnectionOptions['trace'];
  #handshake: ClientHandshake | ServerHandshake | undefined;
  #bytesSent = 0;
  #bytesReceived = 0;
  #windowAckSize = 0;
  #lastAcknowledged = 0;
  #error: Error | undefined;
  #closed = false;

  constructor(socket: net.Socket, options: RtmpConnectionOptions) {
    super();
    this.#socket = socket;
    this.#reader = new ChunkReader(options.limits);
    this.#trace = options.trace;
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', (error) => {
      this.#error ??= error;
    });
    socket.on('drain', () => this.emit('drain'));
    socket.on('close', () => {
      this.#closed = true;
      this.emit('close', this.#error);
    });
    if (options.role === 'client') {
      const handshake = new ClientHandshake();
      this.#handshake = handshake;
      this.#write(handshake.start());
    } else {
      this.#handshake = new ServerHandshake();
    }
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

  /** True once the handshake completed and until the socket closes. */
  get ready(): boolean {
    return this.#handshake === undefined && !this.#closed;
  }

  /** True after the socket closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Chunks and writes one message; returns false when the socket buffer is over its high-water mark
   * ('drain' follows). Ignored once closed. The payload is written by reference: do not modify it afterwards.
   */
  send(message: OutgoingRtmpMessage): boolean {
    if (this.#handshake !== undefined) throw new Error('RtmpConnection.send() before the handshake completed');
    if (!this.#writable()) return false;
    this.#trace?.('out', message);
    const parts = this.#writer.write(message);
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
    this.#socket.end();
  }

  /** Closes immediately; `error` is reported by the 'close' event. */
  destroy(error?: Error): void {
    this.#error ??= error;
    this.#socket.destroy();
  }

  #writable(): boolean {
    return !this.#socket.destroyed && !this.#socket.writableEnded;
  }

  #write(bytes: Buffer): boolean {
    this.#bytesSent += bytes.length;
    return this.#socket.write(bytes);
  }

  #onData(data: Buffer): void {
    this.#bytesReceived += data.length;
    try {
      let chunks = data;
      if (this.#handshake !== undefined) {
        const step = this.#handshake.push(data);
        if (step.send !== undefined) this.#write(step.send);
        if (!step.done) return;
        this.#handshake = undefined;
        this.emit('ready');
        chunks = step.rest;
      }
      for (const message of this.#reader.push(chunks)) {
        if (this.#socket.destroyed) return;
        this.#trace?.('in', message);
        this.#applyControl(message);
        this.emit('message', message);
      }
      this.#acknowledge();
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  #applyControl(message: RtmpMessage): void {
    if (message.typeId === MessageType.WINDOW_ACK_SIZE) {
      this.#windowAckSize = parseWindowAckSize(message.payload);
    } else if (message.typeId === MessageType.USER_CONTROL) {
      const control = parseUserControl(message.payload);
      if (control.event === 'pingRequest') this.send(userControlMessage({ event: 'pingResponse', timestamp: control.timestamp }));
    }
  }

  #acknowledge(): void {
    if (this.#windowAckSize === 0 || this.#bytesReceived - this.#lastAcknowledged < this.#windowAckSize) return;
    this.#lastAcknowledged = this.#bytesReceived;
    this.send(acknowledgementMessage(this.#bytesReceived));
  }
}
