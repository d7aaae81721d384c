import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import { TypedEmitter } from '../../events/typed-emitter';
import { EndReasons, type EndReason } from '../../hub/end-reason';
import { StreamStatusInfo } from '../../hub/status-info';
import type { Logger } from '../../log';
import type { LimitReporter } from '../../metrics/limits';
import { MediaFormatError } from '../../media/media-format-error';
import type { LocalPaths } from '../../paths/local-paths';
import { StreamNameInUseError } from '../../paths/stream-name-in-use';
import { RtmpConnection } from '../connection';
import { limitReachedBy } from '../limit-error';
import { isAmfObject } from '../protocol/amf0';
import type { ChunkReaderLimits } from '../protocol/chunk-reader';
import { describeMessage } from '../protocol/describe';
import { RtmpProtocolError } from '../protocol/errors';
import {
  MessageType,
  type OutgoingRtmpMessage,
  parseCommand,
  type RtmpCommand,
  type RtmpMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
} from '../protocol/messages';
import type { AccessDecision, RtmpAccessPolicy, StreamRequest } from './access-policy';
import type { RtmpClientLimits } from './client-limits';
import { HubPlayback } from './play-from-hub';
import { RtmpIngest } from './publish-to-hub';
import { callFailed, callResult, connectAccepted, connectRejected, StatusCode, streamStatus } from './replies';
import { checkSessionSnapshot, type PendingStream, type SessionSnapshot } from './session-snapshot';

export type { PendingStream, SessionSnapshot } from './session-snapshot';

/** A connection taken over by another process: the shell left here forwards close() and learns when it ends. */
export interface RemoteSession {
  close(reason: EndReason): void;
  /** Resolves when the connection has closed in the other process. */
  readonly closed: Promise<void>;
}

/** Takes a connection over: sends `socket` and `snapshot` to the process that owns the stream. */
export type SessionHandOff = (socket: net.Socket, snapshot: SessionSnapshot) => RemoteSession;

/** What a session needs from its listener. */
export interface ServerSessionOptions {
  /** Where publishes go and plays read from. */
  readonly paths: LocalPaths;
  readonly access: RtmpAccessPolicy;
  /** Media a player may have queued before whole GOPs are skipped, ms. */
  readonly playerMaxQueuedMs: number;
  /** Log a one-line summary of every message received and sent (SERVER_TYPE_RTMP_DEBUG). */
  readonly traceMessages: boolean;
  /** Carries the listener's context (server name and id). */
  readonly logger: Logger;
  /** What one client may make the listener hold. */
  readonly limits: RtmpClientLimits;
  /** Told of every client dropped at a limit. */
  readonly limitReporter: LimitReporter;
  /**
   * Where the publish or play of `name` runs, asked once the access policy allowed it: undefined →
   * here; otherwise the hand-off that moves the whole connection to the process owning the name.
   */
  readonly placeStream?: (name: string, action: 'publish' | 'play') => SessionHandOff | undefined;
}

/** Events of a session. */
export type ServerSessionEvents = {
  /** The socket closed; every publish and play of the session has ended. */
  closed: [];
};

/** Time allowed from TCP accept to the first publish or play (handshake, connect, createStream included), ms. */
const SETUP_DEADLINE_MS = 10_000;
/** A connection that is not playing and sends nothing for this long is dropped, ms. */
const IDLE_TIMEOUT_MS = 30_000;
/** After a refusal the socket is half-closed; a client that does not close its side is destroyed after this, ms. */
const LINGER_MS = 2000;
/** Largest command or data message accepted, bytes: real ones are a few hundred. */
const MAX_COMMAND_BYTES = 64 * 1024;
/** Message streams one connection may create. */
const MAX_STREAMS_PER_CONNECTION = 8;
/** Longest wait for our queued replies to leave before a connection is handed over, ms. */
const HAND_OFF_FLUSH_MS = 2000;
/** Acknowledgement window and peer bandwidth announced at connect (nginx-rtmp's values), bytes. */
const WINDOW_SIZE = 5_000_000;
/** Chunk size of everything the server sends, bytes. */
const OUTGOING_CHUNK_SIZE = 4096;
/**
 * Smallest chunk size a client may announce, bytes. The spec allows 1, but no encoder goes below
 * the default 128, and tiny chunks multiply the parsing work per byte (SRS refuses them too).
 */
const MIN_PEER_CHUNK_SIZE = 128;
/** Limits on what a client may make the chunk reader hold; the bytes of its incomplete messages together are a setting. */
const CHUNK_LIMITS: ChunkReaderLimits = { maxMessageLength: 8 * 1024 * 1024, maxPartialMessages: 8, maxChunkStreams: 32, minChunkSize: MIN_PEER_CHUNK_SIZE };

/** State of one message stream created by the client. */
type MediaStreamState =
  | { readonly state: 'idle' }
  | { readonly state: 'authorizing' }
  | { readonly state: 'publishing'; readonly name: string; readonly ingest: RtmpIngest }
  | { readonly state: 'playing'; readonly name: string; readonly playback: HubPlayback };

/**
 * One RTMP client of a listener, publisher or player: answers connect, createStream, publish,
 * play, deleteStream, closeStream and the FMS calls (releaseStream, FCPublish, FCUnpublish) as
 * nginx-rtmp does, asks the access policy before connect, publish and play, and ties publishes to
 * the hub (RtmpIngest) and plays to it (HubPlayback).
 *
 * A refused client gets its status (Connect.Rejected, Publish.BadName, Play.StreamNotFound) and is
 * disconnected; a client that breaks the protocol is destroyed. Neither affects anyone else.
 *
 * A publish or play that `placeStream` puts in another process takes the whole connection there
 * (socket and a SessionSnapshot); this session stays as a shell that forwards close() and emits
 * `closed` when the connection ends over there. ServerSession.resume() is the other end.
 */
export class ServerSession extends TypedEmitter<ServerSessionEvents> {
  readonly #socket: net.Socket;
  readonly #connection: RtmpConnection;
  readonly #options: ServerSessionOptions;
  readonly #clientIp: string;
  readonly #clientPort: number;
  readonly #streams = new Map<number, MediaStreamState>();
  /** Aborts pending access checks when the client leaves. */
  readonly #abort = new AbortController();
  #log: Logger;
  /** `app` of the accepted connect; undefined until then. */
  #app: string | undefined;
  #nextStreamId = 1;
  #setupTimer: NodeJS.Timeout | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  /** Reason the publishes of this session end with when the socket closes. */
  #endReason: EndReason = EndReasons.sessionDisconnect;
  readonly #onIdle = (): void => this.#drop('idle for too long');
  /** The connection runs in another process since it was handed over; this session is its shell. */
  #remote: RemoteSession | undefined;
  #shellClosed = false;

  /** A session for a client just accepted (`resumed` is internal: see ServerSession.resume). */
  constructor(socket: net.Socket, options: ServerSessionOptions, resumed?: SessionSnapshot) {
    super();
    this.#socket = socket;
    this.#options = options;
    this.#clientIp = resumed?.client.ip ?? socket.remoteAddress ?? '';
    this.#clientPort = resumed?.client.port ?? socket.remotePort ?? 0;
    this.#log = options.logger.child({ client: `${this.#clientIp}:${this.#clientPort}` });
    const trace = options.traceMessages ? this.#trace.bind(this) : undefined;
    const connectionOptions = {
      limits: { ...CHUNK_LIMITS, maxPartialMessageBytes: options.limits.maxPartialMessageBytes },
      maxUnsentBytes: options.limits.maxUnsentBytes,
      ...(trace ? { trace } : {}),
    };
    // Resumed: the handshake happened in the process that accepted the client.
    this.#connection = resumed ? RtmpConnection.resume(socket, resumed.connection, connectionOptions) : new RtmpConnection(socket, { role: 'server', ...connectionOptions });
    socket.setNoDelay(true);
    // Players send nothing for long stretches; keep-alive still notices a peer that vanished.
    socket.setKeepAlive(true, IDLE_TIMEOUT_MS);
    socket.setTimeout(IDLE_TIMEOUT_MS, this.#onIdle);
    this.#setupTimer = setTimeout(() => this.#drop('no publish or play within the setup deadline'), SETUP_DEADLINE_MS);
    if (!resumed) {
      // Far shorter than the setup deadline: a stalled handshake holds a connection slot and costs the peer nothing.
      this.#handshakeTimer = setTimeout(() => this.#handshakeTimedOut(), options.limits.handshakeTimeoutMs);
      this.#connection.once('ready', () => clearTimeout(this.#handshakeTimer));
    }
    this.#connection.on('message', (message) => this.#onMessage(message));
    this.#connection.on('close', (error) => this.#onClose(error));
  }

  /**
   * Resumes in this process a connection another process handed over, and starts its pending
   * publish or play. Throws an Error for a snapshot out of range, before touching the socket's state.
   */
  static resume(socket: net.Socket, snapshot: SessionSnapshot, options: ServerSessionOptions): ServerSession {
    checkSessionSnapshot(snapshot, MAX_STREAMS_PER_CONNECTION);
    const session = new ServerSession(socket, options, snapshot);
    session.#resumeStreams(snapshot);
    return session;
  }

  /** Disconnects the client at once; its publishes end with `reason`. */
  close(reason: EndReason): void {
    if (this.#remote !== undefined) {
      this.#remote.close(reason);
      return;
    }
    this.#endReason = reason;
    this.#connection.destroy();
  }

  #resumeStreams({ app, nextStreamId, idleStreamIds, pending }: SessionSnapshot): void {
    this.#app = app;
    this.#log = this.#log.child({ app });
    this.#nextStreamId = nextStreamId;
    for (const id of idleStreamIds) this.#streams.set(id, { state: 'idle' });
    this.#streams.set(pending.messageStreamId, { state: 'authorizing' });
    this.#log.info({ streamName: pending.streamKey, action: pending.action }, 'connection resumed');
    try {
      if (pending.action === 'publish') this.#publish(pending.messageStreamId, pending.streamKey);
      else this.#play(pending.messageStreamId, pending.streamKey);
    } catch (error) {
      this.#fail(error);
    }
    // What the client sent after its publish or play is parsed only now, as it would have been here.
    this.#connection.resumeReading();
  }

  #onMessage(message: RtmpMessage): void {
    try {
      switch (message.typeId) {
        case MessageType.COMMAND_AMF0:
        case MessageType.COMMAND_AMF3:
          this.#checkSize(message);
          this.#onCommand(parseCommand(message), message.messageStreamId);
          break;
        case MessageType.DATA_AMF0:
        case MessageType.DATA_AMF3:
          this.#checkSize(message);
          this.#publishing(message.messageStreamId)?.handle(message);
          break;
        case MessageType.AUDIO:
        case MessageType.VIDEO:
          this.#publishing(message.messageStreamId)?.handle(message);
          break;
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  #onCommand(command: RtmpCommand, messageStreamId: number): void {
    if (this.#app === undefined) {
      if (command.name !== 'connect') throw violation(`'${command.name}' before connect`);
      this.#connect(command);
      return;
    }
    switch (command.name) {
      case 'connect':
        throw violation('a second connect on the same connection');
      case 'createStream':
        this.#createStream(command.transactionId);
        break;
      case 'publish':
        this.#startStream('publish', command, messageStreamId);
        break;
      case 'play':
        this.#startStream('play', command, messageStreamId);
        break;
      case 'deleteStream': {
        const streamId = command.args[0];
        if (typeof streamId === 'number') this.#endStream(streamId, EndReasons.publisherStop, 'deleted');
        break;
      }
      case 'closeStream':
        this.#endStream(messageStreamId, EndReasons.publisherStop, 'closed');
        break;
      // FMS calls encoders make around publishing; the stream's fate is decided by publish and deleteStream.
      case 'releaseStream':
      case 'FCPublish':
      case 'FCUnpublish':
        if (command.transactionId > 0) this.#connection.send(callResult(command.transactionId));
        break;
      default:
        // Calls that expect no answer (receiveAudio, pause...) are ignored; others learn there is no such method.
        if (command.transactionId > 0) this.#connection.send(callFailed(command.transactionId, `Method not found (${command.name})`));
    }
  }

  #connect(command: RtmpCommand): void {
    const app = isAmfObject(command.commandObject) ? command.commandObject['app'] : undefined;
    if (typeof app !== 'string') throw violation('connect without an app');
    const normalized = normalizeApp(app);
    this.#log = this.#log.child({ app: normalized });
    const decision = this.#options.access.admitConnection({ clientIp: this.#clientIp, app: normalized });
    if (!decision.allowed) {
      this.#log.warn({ reason: decision.reason }, 'connect rejected');
      this.#connection.send(connectRejected(command.transactionId, decision.reason));
      this.#endConnection();
      return;
    }
    this.#app = normalized;
    this.#connection.send(windowAckSizeMessage(WINDOW_SIZE));
    this.#connection.send(setPeerBandwidthMessage(WINDOW_SIZE, 'dynamic'));
    this.#connection.setChunkSize(OUTGOING_CHUNK_SIZE);
    this.#connection.send(connectAccepted(command.transactionId));
    this.#log.info('client connected');
  }

  #createStream(transactionId: number): void {
    if (this.#streams.size >= MAX_STREAMS_PER_CONNECTION) {
      this.#connection.send(callFailed(transactionId, `at most ${MAX_STREAMS_PER_CONNECTION} streams per connection`));
      return;
    }
    const streamId = this.#nextStreamId++;
    this.#streams.set(streamId, { state: 'idle' });
    this.#connection.send(callResult(transactionId, streamId));
  }

  /** publish or play: checks the request, asks the access policy, then starts (the answer may take a webhook round trip). */
  #startStream(action: StreamRequest['action'], command: RtmpCommand, messageStreamId: number): void {
    const current = this.#streams.get(messageStreamId);
    if (current?.state !== 'idle') throw violation(`${action} on message stream ${messageStreamId}, which is ${current?.state ?? 'not created'}`);
    const name = command.args[0];
    if (typeof name !== 'string') throw violation(`${action} without a stream name`);
    const { streamKey, query } = splitStreamName(name);
    const pending: MediaStreamState = { state: 'authorizing' };
    this.#streams.set(messageStreamId, pending);
    const request: StreamRequest = { clientIp: this.#clientIp, app: this.#app!, action, streamKey, query };
    const decided = streamKey === '' ? Promise.resolve<AccessDecision>({ allowed: false, reason: 'empty stream name' }) : this.#options.access.authorizeStream(request, this.#abort.signal);
    decided
      .then((decision) => {
        // The client may have left or deleted the stream while the policy was thinking.
        if (this.#streams.get(messageStreamId) !== pending) return;
        if (!decision.allowed) {
          this.#refuseStream(action, messageStreamId, streamKey, decision.reason);
          return;
        }
        const handOff = this.#options.placeStream?.(streamKey, action);
        if (handOff !== undefined) return this.#handOver(handOff, { action, messageStreamId, streamKey });
        if (action === 'publish') this.#publish(messageStreamId, streamKey);
        else this.#play(messageStreamId, streamKey);
      })
      .catch((error: unknown) => this.#fail(error));
  }

  /**
   * Moves the whole connection to the process that owns the stream: stops reading, lets our queued
   * replies leave, detaches the connection and hands socket and snapshot over; this session then
   * only forwards close() and emits `closed` when the connection ends over there.
   */
  async #handOver(handOff: SessionHandOff, pending: PendingStream): Promise<void> {
    const { action, messageStreamId, streamKey } = pending;
    // One connection lives in one process: a second stream placed elsewhere cannot follow it.
    if ([...this.#streams].some(([id, stream]) => id !== messageStreamId && stream.state !== 'idle')) {
      this.#refuseStream(action, messageStreamId, streamKey, `${streamKey} runs on another media worker than this connection's other stream`);
      return;
    }
    // Bytes still queued in this process's socket would be lost with it.
    this.#connection.pauseReading();
    const flushed = await this.#connection.whenFlushed(HAND_OFF_FLUSH_MS);
    if (this.#connection.closed || this.#streams.get(messageStreamId)?.state !== 'authorizing') return;
    if (!flushed) {
      this.#drop('the connection could not be handed over: the client does not read our replies');
      return;
    }
    for (const timer of [this.#setupTimer, this.#handshakeTimer, this.#lingerTimer]) clearTimeout(timer);
    this.#socket.setTimeout(0, this.#onIdle);
    this.#abort.abort();
    const snapshot: SessionSnapshot = {
      client: { ip: this.#clientIp, port: this.#clientPort },
      app: this.#app!,
      nextStreamId: this.#nextStreamId,
      idleStreamIds: [...this.#streams.keys()].filter((id) => id !== messageStreamId),
      pending,
      connection: this.#connection.detach(),
    };
    this.#streams.clear();
    this.#log.info({ streamName: streamKey, action }, 'connection handed over');
    try {
      this.#remote = handOff(this.#socket, snapshot);
    } catch (error) {
      this.#log.error({ err: error, streamName: streamKey }, 'hand-off failed: disconnecting the client');
      this.#socket.destroy();
      this.#endShell();
      return;
    }
    this.#remote.closed.then(
      () => this.#endShell(),
      (error: unknown) => {
        this.#log.error({ err: error, streamName: streamKey }, 'lost track of the handed-over connection');
        this.#endShell();
      },
    );
  }

  /** The connection ended in the process it was handed to. */
  #endShell(): void {
    if (this.#shellClosed) return;
    this.#shellClosed = true;
    this.#log.info('handed-over connection closed');
    this.emit('closed');
  }

  #publish(messageStreamId: number, streamKey: string): void {
    const log = this.#log.child({ streamName: streamKey, action: 'publish' });
    let ingest: RtmpIngest;
    try {
      // The hub ends the stream only when the gateway stops: the publisher is disconnected then.
      ingest = new RtmpIngest(this.#options.paths, streamKey, randomUUID(), log, (reason) => this.close(reason));
    } catch (error) {
      if (!(error instanceof StreamNameInUseError)) throw error;
      this.#refuseStream('publish', messageStreamId, streamKey, StreamStatusInfo.STREAM_NAME_ALREADY_IN_USE);
      return;
    }
    this.#streams.set(messageStreamId, { state: 'publishing', name: streamKey, ingest });
    this.#streamStarted();
    this.#connection.send(userControlMessage({ event: 'streamBegin', streamId: messageStreamId }));
    this.#connection.send(streamStatus(messageStreamId, 'status', StatusCode.PUBLISH_START, `${streamKey} is now published.`));
    log.info({ mediaSessionId: ingest.mediaSessionId }, 'publishing');
  }

  #play(messageStreamId: number, streamKey: string): void {
    const stream = this.#options.paths.stream(streamKey);
    if (stream === undefined) {
      this.#refuseStream('play', messageStreamId, streamKey, `${streamKey} is not published`);
      return;
    }
    const log = this.#log.child({ streamName: streamKey, action: 'play' });
    this.#connection.send(userControlMessage({ event: 'streamBegin', streamId: messageStreamId }));
    this.#connection.send(streamStatus(messageStreamId, 'status', StatusCode.PLAY_RESET, `Playing and resetting ${streamKey}.`));
    this.#connection.send(streamStatus(messageStreamId, 'status', StatusCode.PLAY_START, `Started playing ${streamKey}.`));
    const playback = new HubPlayback(this.#connection, stream, { messageStreamId, maxQueuedMs: this.#options.playerMaxQueuedMs, logger: log }, (reason) => {
      log.info({ reason }, 'the played stream was unpublished');
      this.#connection.send(userControlMessage({ event: 'streamEof', streamId: messageStreamId }));
      this.#connection.send(streamStatus(messageStreamId, 'status', StatusCode.PLAY_UNPUBLISH_NOTIFY, `${streamKey} is now unpublished.`));
      this.#streams.set(messageStreamId, { state: 'idle' });
      // Players such as ffplay wait forever for a stream that is gone: end the connection when nothing else runs on it.
      if (![...this.#streams.values()].some((s) => s.state !== 'idle')) this.#endConnection();
    });
    this.#streams.set(messageStreamId, { state: 'playing', name: streamKey, playback });
    this.#streamStarted();
    log.info('playing');
  }

  /** Ends what runs on a message stream; `deleted` forgets the stream id, `closed` keeps it for another publish or play. */
  #endStream(messageStreamId: number, reason: EndReason, how: 'deleted' | 'closed'): void {
    const stream = this.#streams.get(messageStreamId);
    if (stream === undefined) return;
    if (how === 'deleted') this.#streams.delete(messageStreamId);
    else this.#streams.set(messageStreamId, { state: 'idle' });
    if (stream.state === 'publishing') {
      stream.ingest.close(reason);
      this.#log.info({ streamName: stream.name, reason: reason.info }, 'unpublished');
    } else if (stream.state === 'playing') {
      stream.playback.stop();
      this.#log.info({ streamName: stream.name, droppedFrames: stream.playback.droppedFrames }, 'stopped playing');
    }
    this.#applyIdleTimeout();
  }

  #refuseStream(action: StreamRequest['action'], messageStreamId: number, streamKey: string, reason: string): void {
    const code = action === 'publish' ? StatusCode.PUBLISH_BAD_NAME : StatusCode.PLAY_STREAM_NOT_FOUND;
    this.#log.warn({ streamName: streamKey, action, reason }, `${action} refused`);
    this.#streams.set(messageStreamId, { state: 'idle' });
    this.#connection.send(streamStatus(messageStreamId, 'error', code, reason));
    this.#endConnection();
  }

  /** Half-closes once the last answer is flushed, so the client reads it; destroys the socket if the client lingers. */
  #endConnection(): void {
    this.#connection.end();
    this.#lingerTimer ??= setTimeout(() => this.#connection.destroy(), LINGER_MS);
  }

  #streamStarted(): void {
    clearTimeout(this.#setupTimer);
    this.#setupTimer = undefined;
    this.#applyIdleTimeout();
  }

  /** A player may legitimately send nothing for minutes; anyone else must keep talking. */
  #applyIdleTimeout(): void {
    const playing = [...this.#streams.values()].some((s) => s.state === 'playing');
    this.#socket.setTimeout(playing ? 0 : IDLE_TIMEOUT_MS);
  }

  #publishing(messageStreamId: number): RtmpIngest | undefined {
    const stream = this.#streams.get(messageStreamId);
    return stream?.state === 'publishing' ? stream.ingest : undefined;
  }

  #checkSize(message: RtmpMessage): void {
    if (message.payload.length > MAX_COMMAND_BYTES) throw violation(`command or data message of ${message.payload.length} bytes (max ${MAX_COMMAND_BYTES})`);
  }

  #trace(direction: 'in' | 'out', message: OutgoingRtmpMessage): void {
    this.#log.info({ direction }, describeMessage(message));
  }

  #handshakeTimedOut(): void {
    const { handshakeTimeoutMs } = this.#options.limits;
    this.#log.warn({ limit: 'rtmp_handshake_timeout', handshakeTimeoutMs }, 'limit reached: the RTMP handshake took too long, disconnecting the client');
    this.#options.limitReporter.reached('rtmp_handshake_timeout');
    this.#connection.destroy();
  }

  #drop(why: string): void {
    this.#log.info({ reason: why }, 'disconnecting the client');
    this.#connection.destroy();
  }

  /** Malformed input closes this connection only; anything else is a bug, logged as such. */
  #fail(error: unknown): void {
    if (error instanceof RtmpProtocolError || error instanceof MediaFormatError) {
      this.#log.warn({ code: error.code, reason: error.message }, 'protocol violation: disconnecting the client');
    } else {
      this.#log.error({ err: error }, 'session failed: disconnecting the client');
    }
    this.#endReason = EndReasons.failure(StreamStatusInfo.FAILED_BY_ERROR);
    this.#connection.destroy();
  }

  #onClose(error: Error | undefined): void {
    clearTimeout(this.#setupTimer);
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#lingerTimer);
    const limit = limitReachedBy(error);
    if (limit !== undefined) {
      this.#log.warn({ limit, reason: error!.message }, 'limit reached: disconnecting the client');
      this.#options.limitReporter.reached(limit);
    }
    this.#abort.abort();
    for (const streamId of [...this.#streams.keys()]) this.#endStream(streamId, this.#endReason, 'deleted');
    const reason = error instanceof RtmpProtocolError ? { code: error.code, reason: error.message } : error ? { reason: error.message } : {};
    this.#log.info(reason, 'client disconnected');
    this.emit('closed');
  }
}

/** A command the server cannot accept from a well-behaved client. */
function violation(what: string): RtmpProtocolError {
  return new RtmpProtocolError('BAD_MESSAGE', `protocol violation: ${what}`);
}

/** `live/?token=x` → `live`: rules name the application, not how a client decorated it. */
function normalizeApp(app: string): string {
  return app.split('?', 1)[0]!.replace(/\/+$/, '');
}

/** `key?token=x` → key `key`, query `token=x`. */
function splitStreamName(name: string): { streamKey: string; query: string } {
  const at = name.indexOf('?');
  return at === -1 ? { streamKey: name, query: '' } : { streamKey: name.slice(0, at), query: name.slice(at + 1) };
}
