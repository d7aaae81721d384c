import type net from 'node:net';
import { TypedEmitter } from '../events/typed-emitter';
import { nextAdobeAuthStep } from './adobe-auth';
import { classifySocketError, RtmpClientError } from './client-errors';
import { RtmpConnection } from './connection';
import { AmfEcmaArray, type AmfObject, type AmfValue, isAmfObject } from './protocol/amf0';
import { describeMessage } from './protocol/describe';
import { RtmpProtocolError } from './protocol/errors';
import { ChunkStreamId, commandMessage, dataMessage, type MessageRoute, MessageType, parseCommand, type RtmpCommand, type RtmpMessage } from './protocol/messages';
import type { Payload } from './protocol/payload';
import type { ParsedRtmpUrl } from './protocol/url';
import { openTransport, type TransportStage } from './transport';

/** Settings of one publish session. */
export interface RtmpPublishClientOptions {
  /** Where to publish (see parseRtmpUrl). */
  readonly target: ParsedRtmpUrl;
  /** Stream name (key) given to `publish`, may carry a `?query`. */
  readonly streamName: string;
  /** flashVer of the connect command; default 'FMLE/3.0 (compatible; FMSc/1.0)'. */
  readonly flashVer?: string;
  /** rtmps trust settings: extra CA certificates (PEM) and verification (default true). */
  readonly tls?: { readonly ca?: Buffer; readonly rejectUnauthorized?: boolean };
  /** Bound on the whole of connect(): TCP, TLS, handshake, connect, createStream and publish, ms; default 10000. */
  readonly connectTimeoutMs?: number;
  /** Outgoing chunk size, bytes; default 4096. */
  readonly chunkSize?: number;
  /**
   * How long the connection must survive NetStream.Publish.Start before connect() resolves, ms;
   * default 100. Some servers (nginx-rtmp with `deny publish`) confirm the publish and then drop
   * the connection at once: that is reported as PUBLISH_REJECTED instead of a successful connect.
   */
  readonly publishSettleMs?: number;
  /** Resolves the target's host name (default: the OS's); a policy may refuse addresses here. */
  readonly lookup?: net.LookupFunction;
  /**
   * Commands, control messages and replies the server may leave unread before the session is
   * destroyed, bytes; default 256 KiB (see RtmpConnection.unsentBytes). Media is bounded by the caller.
   */
  readonly maxUnsentBytes?: number;
  /** Debug trace: a one-line summary of every message received ('in') and sent ('out'). Summaries include app, tcUrl and stream name. */
  readonly onMessage?: (direction: 'in' | 'out', summary: string) => void;
}

/** Events of an {@link RtmpPublishClient}. */
export type RtmpPublishClientEvents = {
  /** The session ended after a successful connect(), once: `error` is undefined after close()/destroy() without reason. */
  close: [error: Error | undefined];
  /** An onStatus the server sent while publishing (e.g. NetStream.Publish.Idle). */
  status: [code: string, description: string];
  /** The socket's write buffer has emptied: a sender that paused may go on. */
  drain: [];
};

const DEFAULT_FLASH_VER = 'FMLE/3.0 (compatible; FMSc/1.0)';
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_CHUNK_SIZE = 4096;
const DEFAULT_PUBLISH_SETTLE_MS = 100;
/** How long close() waits for the server to close after our FIN before destroying the socket, ms. */
const CLOSE_TIMEOUT_MS = 2000;
/** Adobe authentication needs up to three connects (plain, user, challenge response). */
const MAX_CONNECT_ATTEMPTS = 3;
const COMMAND_ROUTE: MessageRoute = { chunkStreamId: ChunkStreamId.COMMAND, messageStreamId: 0 };
/** What connect advertises, as FFmpeg does: every audio codec but two unused ids, the common video codecs, seek support. */
const CLIENT_CAPABILITIES = { fpad: false, capabilities: 15, audioCodecs: 4071, videoCodecs: 252, videoFunction: 1 } as const;

type Phase = TransportStage | 'handshake' | 'connect' | 'createStream' | 'publish';
interface Reply {
  readonly ok: boolean;
  readonly command: RtmpCommand;
}
interface Status {
  readonly level: string;
  readonly code: string;
  readonly description: string;
}

/**
 * Pushes one stream to an RTMP/RTMPS server (nginx-rtmp, YouTube, Twitch, Facebook, Wowza...):
 * connect() runs TCP/TLS, handshake, Set Chunk Size, connect (with Adobe authentication when the
 * server asks and the URL has credentials), releaseStream, FCPublish, createStream and publish;
 * then send FLV tag bodies with sendVideo/sendAudio. Single-shot: create a new client to retry.
 *
 * Timestamps are passed through as given (ms, per-track monotonic, wrapping at 2^32).
 */
export class RtmpPublishClient extends TypedEmitter<RtmpPublishClientEvents> {
  readonly #options: RtmpPublishClientOptions;
  #state: 'idle' | 'connecting' | 'publishing' | 'closing' | 'closed' = 'idle';
  #connection: RtmpConnection | undefined;
  #streamId = 0;
  #nextTransactionId = 1;
  readonly #pendingReplies = new Map<number, (reply: Reply) => void>();
  #statusWaiter: ((status: Status) => void) | undefined;
  #connectAbort: AbortController | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RtmpPublishClientOptions) {
    super();
    this.#options = options;
  }

  /** Bytes written on the current connection (handshake included). */
  get bytesSent(): number {
    return this.#connection?.bytesSent ?? 0;
  }

  /** Bytes waiting in the socket's write buffer; grows when the link is slower than the stream. */
  get bufferedBytes(): number {
    return this.#connection?.bufferedBytes ?? 0;
  }

  /** True between a successful connect() and the end of the session. */
  get connected(): boolean {
    return this.#state === 'publishing';
  }

  /** Connects and starts publishing; resolves on NetStream.Publish.Start. Rejects with RtmpClientError. Call once. */
  async connect(signal?: AbortSignal): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`RtmpPublishClient.connect() called in state ${this.#state}`);
    this.#state = 'connecting';
    const timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    this.#connectAbort = new AbortController();
    const abort = AbortSignal.any([this.#connectAbort.signal, timeout, ...(signal === undefined ? [] : [signal])]);
    const progress = { phase: 'handshake' as Phase };
    try {
      const connection = await this.#connectApplication(abort, progress);
      await this.#publish(connection, abort, progress);
      this.#state = 'publishing';
      connection.on('close', (error) => this.#onClosed(error));
      connection.on('drain', () => this.emit('drain'));
    } catch (error) {
      this.#connection?.destroy();
      this.#state = 'closed';
      if (error instanceof RtmpClientError) throw error;
      // A resolver that never answers is a DNS failure, told as such, not a silent server.
      if (timeout.aborted && progress.phase === 'DNS lookup') throw new RtmpClientError('DNS', `no DNS answer for ${this.#options.target.host} within ${timeoutMs} ms`, { cause: error });
      if (timeout.aborted) throw new RtmpClientError('TIMEOUT', `no answer within ${timeoutMs} ms (during ${progress.phase})`, { cause: error });
      if (abort.aborted) throw new RtmpClientError('ABORTED', `connect aborted during ${progress.phase}`, { cause: error });
      throw classifySocketError(error as Error);
    } finally {
      this.#connectAbort = undefined;
      this.#pendingReplies.clear();
      this.#statusWaiter = undefined;
    }
  }

  /** Sends `@setDataFrame onMetaData` with these properties (width, height, framerate, audiosamplerate...). */
  sendMetadata(metadata: Readonly<Record<string, number | string | boolean>>): void {
    if (!this.#canSend()) return;
    const route = { chunkStreamId: ChunkStreamId.STREAM, messageStreamId: this.#streamId };
    this.#connection!.send(dataMessage(['@setDataFrame', 'onMetaData', new AmfEcmaArray({ ...metadata })], route));
  }

  /** Sends one FLV video tag body (see flv.ts builders) with its decode timestamp, ms. Dropped once the session ended. */
  sendVideo(timestampMs: number, body: Payload): void {
    this.#sendMedia(MessageType.VIDEO, ChunkStreamId.VIDEO, timestampMs, body);
  }

  /** Sends one FLV audio tag body (see flv.ts builders) with its timestamp, ms. Dropped once the session ended. */
  sendAudio(timestampMs: number, body: Payload): void {
    this.#sendMedia(MessageType.AUDIO, ChunkStreamId.AUDIO, timestampMs, body);
  }

  /** Runs `sends` so that the messages they send go to the socket in one write. */
  batch(sends: () => void): void {
    if (this.#connection) this.#connection.batch(sends);
    else sends();
  }

  /**
   * Ends the session gracefully: FCUnpublish, deleteStream, then closes the socket, destroying it
   * if the server has not closed within 2 s. Aborts a pending connect(). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Closes the socket at once; `reason` is what the 'close' event (or a pending connect()) reports. */
  destroy(reason?: Error): void {
    if (this.#state === 'connecting') {
      this.#connectAbort?.abort(reason);
    } else if (this.#state === 'publishing' || this.#state === 'closing') {
      this.#state = 'closing';
      this.#connection!.destroy(reason);
    } else if (this.#state === 'idle') {
      this.#state = 'closed';
    }
  }

  async #close(): Promise<void> {
    if (this.#state === 'connecting') this.#connectAbort?.abort(new RtmpClientError('ABORTED', 'closed during connect'));
    if (this.#state === 'idle') this.#state = 'closed';
    if (this.#state !== 'publishing') return;
    this.#state = 'closing';
    const connection = this.#connection!;
    connection.send(this.#command('FCUnpublish', [this.#options.streamName]));
    connection.send(this.#command('deleteStream', [this.#streamId]));
    connection.end();
    await new Promise<void>((resolve) => {
      if (connection.closed) return resolve();
      const timer = setTimeout(() => connection.destroy(), CLOSE_TIMEOUT_MS);
      connection.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #sendMedia(typeId: number, chunkStreamId: number, timestamp: number, payload: Payload): void {
    if (this.#canSend()) this.#connection!.send({ chunkStreamId, timestamp, typeId, messageStreamId: this.#streamId, payload });
  }

  #canSend(): boolean {
    if (this.#state === 'idle' || this.#state === 'connecting') throw new Error('RtmpPublishClient: send before connect() resolved');
    return this.#state === 'publishing';
  }

  /** Opens a connection and runs `connect`, reconnecting for Adobe authentication when asked. */
  async #connectApplication(abort: AbortSignal, progress: { phase: Phase }): Promise<RtmpConnection> {
    const { target } = this.#options;
    let authParams = '';
    let answeredChallenge = false;
    for (let attempt = 1; ; attempt++) {
      this.#connection?.destroy();
      const connection = await this.#open(abort, progress);
      progress.phase = 'connect';
      const commandObject: AmfObject = {
        app: withQuery(target.app, authParams),
        type: 'nonprivate',
        flashVer: this.#options.flashVer ?? DEFAULT_FLASH_VER,
        tcUrl: withQuery(target.tcUrl, authParams),
        ...CLIENT_CAPABILITIES,
      };
      const reply = await this.#call(connection, 'connect', commandObject, [], abort, 'connect');
      if (reply.ok) return connection;
      const status = statusOf(reply.command);
      const decision = nextAdobeAuthStep(status.description, target.credentials, answeredChallenge);
      if (decision?.action !== 'retry' || attempt === MAX_CONNECT_ATTEMPTS) {
        const reason = decision?.action === 'fail' ? `${decision.reason}; ` : '';
        throw new RtmpClientError('CONNECT_REJECTED', `server rejected connect: ${reason}${status.code} ${status.description}`.trim());
      }
      authParams = decision.authParams;
      answeredChallenge = authParams.includes('&response=');
    }
  }

  async #publish(connection: RtmpConnection, abort: AbortSignal, progress: { phase: Phase }): Promise<void> {
    const { streamName } = this.#options;
    // Historical FMS calls that YouTube, Twitch and Facebook expect; their replies (often _error) do not matter.
    connection.send(this.#command('releaseStream', [streamName]));
    connection.send(this.#command('FCPublish', [streamName]));
    progress.phase = 'createStream';
    const created = await this.#call(connection, 'createStream', null, [], abort, 'createStream');
    const streamId = created.command.args[0];
    if (!created.ok || typeof streamId !== 'number') {
      throw new RtmpClientError(created.ok ? 'PROTOCOL' : 'PUBLISH_REJECTED', `createStream failed: ${JSON.stringify(created.command.args)}`);
    }
    this.#streamId = streamId;

    progress.phase = 'publish';
    const transactionId = this.#nextTransactionId++;
    const outcome = this.#awaitOnConnection<Status>(connection, 'publish', abort, (resolve) => {
      this.#statusWaiter = (status) => {
        // Only the publish outcome settles this; unrelated notices (e.g. NetStream.Data.Start) are skipped.
        if (status.level === 'error' || status.code.startsWith('NetStream.Publish.')) resolve(status);
      };
      this.#pendingReplies.set(transactionId, (reply) => resolve({ ...statusOf(reply.command), level: reply.ok ? 'status' : 'error' }));
    });
    const route = { chunkStreamId: ChunkStreamId.STREAM, messageStreamId: streamId };
    connection.send(commandMessage({ name: 'publish', transactionId, commandObject: null, args: [streamName, 'live'] }, route));
    const status = await outcome;
    if (status.code !== 'NetStream.Publish.Start') {
      throw new RtmpClientError('PUBLISH_REJECTED', `server rejected publish: ${status.code} ${status.description}`.trim());
    }
    const settleMs = this.#options.publishSettleMs ?? DEFAULT_PUBLISH_SETTLE_MS;
    await this.#awaitOnConnection<void>(connection, 'publish', abort, (resolve) => setTimeout(resolve, settleMs).unref());
  }

  /** Opens the transport and completes the RTMP handshake, then announces our chunk size. */
  async #open(abort: AbortSignal, progress: { phase: Phase }): Promise<RtmpConnection> {
    const { target, onMessage } = this.#options;
    const { host, port, secure } = target;
    const { tls, lookup } = this.#options;
    const socket = await openTransport({ host, port, secure, ...(tls === undefined ? {} : { tls }), ...(lookup === undefined ? {} : { lookup }) }, abort, (stage) => {
      progress.phase = stage;
    });
    progress.phase = 'handshake';
    const connection = new RtmpConnection(socket, {
      role: 'client',
      ...(this.#options.maxUnsentBytes === undefined ? {} : { maxUnsentBytes: this.#options.maxUnsentBytes }),
      ...(onMessage === undefined ? {} : { trace: (direction, message) => onMessage(direction, describeMessage(message)) }),
    });
    this.#connection = connection;
    connection.on('message', (message) => this.#onMessage(message));
    await this.#awaitOnConnection<void>(connection, 'handshake', abort, (resolve) => connection.once('ready', resolve));
    connection.setChunkSize(this.#options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    return connection;
  }

  #command(name: string, args: readonly AmfValue[]): RtmpMessage {
    return commandMessage({ name, transactionId: this.#nextTransactionId++, commandObject: null, args }, COMMAND_ROUTE);
  }

  /** Sends a connection-level command and waits for its _result or _error. */
  #call(connection: RtmpConnection, name: string, commandObject: AmfValue, args: readonly AmfValue[], abort: AbortSignal, phase: Phase): Promise<Reply> {
    const transactionId = this.#nextTransactionId++;
    const reply = this.#awaitOnConnection<Reply>(connection, phase, abort, (resolve) => this.#pendingReplies.set(transactionId, resolve));
    connection.send(commandMessage({ name, transactionId, commandObject, args }, COMMAND_ROUTE));
    return reply;
  }

  /** Waits for what `register` resolves, failing if the connection closes or `abort` fires first. */
  #awaitOnConnection<T>(connection: RtmpConnection, phase: Phase, abort: AbortSignal, register: (resolve: (value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (connection.closed) return reject(closedDuring(phase, undefined));
      const cleanup = (): void => {
        connection.off('close', onClose);
        abort.removeEventListener('abort', onAbort);
      };
      const onClose = (error: Error | undefined): void => {
        cleanup();
        reject(closedDuring(phase, error));
      };
      const onAbort = (): void => {
        cleanup();
        reject(abort.reason);
      };
      connection.on('close', onClose);
      abort.addEventListener('abort', onAbort, { once: true });
      register((value) => {
        cleanup();
        resolve(value);
      });
    });
  }

  #onMessage(message: RtmpMessage): void {
    if (message.typeId !== MessageType.COMMAND_AMF0 && message.typeId !== MessageType.COMMAND_AMF3) return;
    let command: RtmpCommand;
    try {
      command = parseCommand(message);
    } catch (error) {
      if (error instanceof RtmpProtocolError) return; // a command we cannot read cannot be one we wait for
      throw error;
    }
    if (command.name === '_result' || command.name === '_error') {
      const resolve = this.#pendingReplies.get(command.transactionId);
      this.#pendingReplies.delete(command.transactionId);
      resolve?.({ ok: command.name === '_result', command });
    } else if (command.name === 'onStatus') {
      const status = statusOf(command);
      if (this.#statusWaiter !== undefined) this.#statusWaiter(status);
      else if (this.#state === 'publishing') this.emit('status', status.code, status.description);
    }
  }

  #onClosed(error: Error | undefined): void {
    const requested = this.#state === 'closing';
    this.#state = 'closed';
    if (requested) this.emit('close', error);
    else this.emit('close', error === undefined ? new RtmpClientError('SOCKET', 'the server closed the connection') : asClientError(error));
  }
}

/** The info object of an onStatus, _result or _error: level, code and description (empty when absent). */
function statusOf(command: RtmpCommand): Status {
  const info = [command.args[0], command.commandObject].find(isAmfObject);
  const text = (value: AmfValue): string => (typeof value === 'string' ? value : '');
  return { level: text(info?.['level']), code: text(info?.['code']), description: text(info?.['description']) };
}

/** A socket or protocol error as an RtmpClientError. */
function asClientError(error: Error): RtmpClientError {
  return error instanceof RtmpProtocolError ? new RtmpClientError('PROTOCOL', error.message, { cause: error }) : classifySocketError(error);
}

/** The error a pending step fails with when the connection closes under it. */
function closedDuring(phase: Phase, error: Error | undefined): RtmpClientError {
  if (error !== undefined) return asClientError(error);
  if (phase === 'connect') return new RtmpClientError('CONNECT_REJECTED', 'the server closed the connection in reply to connect');
  if (phase === 'publish') {
    return new RtmpClientError('PUBLISH_REJECTED', 'the server closed the connection in reply to publish (stream name refused or publishing denied)');
  }
  return new RtmpClientError('SOCKET', `the server closed the connection during ${phase}`);
}

/** Appends `?a=b...` query parameters, turning the `?` into `&` when `base` already has a query. */
function withQuery(base: string, params: string): string {
  if (params === '') return base;
  return base.includes('?') ? `${base}&${params.slice(1)}` : `${base}${params}`;
}
