import { createHash, randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { ClientIceServers } from '../ice-servers/client-ice-servers';
import type { Logger } from '../log';
import type { LimitReporter } from '../metrics/limits';
import { EndReasons, type EndReason } from '../hub/end-reason';
import { readConnection, userData } from './connection-request';
import type { HookAuthorizer } from './hook-authorizer';
import { envelope, parseEnvelope, readMediaSessionId, readPublishStream, readStreamIds, StreamStatusInfo, type PublishStreamRequest, type StreamStatus } from './protocol';
import type { PlayService } from './play-service';
import { PublishRejectedError, type PublishHandle, type PublishService } from './publish-service';
import { SessionPlays } from './session-plays';

/** Closes a client that has answered neither a WebSocket ping nor sent anything for this long, ms. */
const IDLE_TIMEOUT_MS = 30_000;
/** WCS pings its clients; the SDK answers `pong`. ms. */
const PING_INTERVAL_MS = 10_000;
/** A client that has not answered our close frame by then is cut off, ms (ws itself waits 30 s). */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000;
/** A client that lets this much of our messages pile up unread is cut off, bytes: it would grow the heap without end. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/** Longest message name quoted in logs and answers, characters. */
const MAX_QUOTED_NAME = 64;
/** Close code for a client that broke a rule (RFC 6455 1008, policy violation). */
const POLICY_VIOLATION = 1008;

/** What every session of one signalling server shares. */
export interface SessionContext {
  publisher: PublishService;
  /** Plays streams to WebRTC viewers (`playStream`); absent, every playStream gets FAILED. */
  player?: PlayService;
  logger: Logger;
  /** Publishes one session may have at once, negotiating or publishing. */
  maxPublishes: number;
  /** Time from the WebSocket's opening to its `connection` message, ms. */
  handshakeTimeoutMs: number;
  limits: LimitReporter;
  /** Present when REST hooks are configured: asked before `getUserData` and before each publish. */
  hooks?: HookAuthorizer;
  /** The ICE servers `getUserData` hands out, when configured. */
  iceServers?: ClientIceServers;
}

interface PublishEntry {
  name: string;
  handle?: PublishHandle;
  /** Set when the client stops before negotiation finished. */
  stoppedEarly?: EndReason;
}

type SessionState = 'awaiting-connection' | 'connecting' | 'established' | 'refused';

/**
 * One client's WebSocket: the WCS session state machine (connection → getUserData, publishStream →
 * setRemoteSDP + notifyStreamStatusEvent, unPublishStream, playStream / stopStream in session-plays.ts,
 * ping/pong). Every message is handled in isolation: a bad frame or a throwing handler is logged and
 * answered with `fail`, never allowed to break the session or the server. Nothing a client sent is
 * sent back as it came.
 */
export class SignallingSession {
  readonly id = randomUUID();
  readonly #ws: WebSocket;
  readonly #context: SessionContext;
  readonly #log: Logger;
  readonly #publishes = new Map<string, PublishEntry>();
  readonly #plays: SessionPlays;
  #state: SessionState = 'awaiting-connection';
  #appKey: string | undefined;
  #lastHeard = Date.now();
  readonly #keepAliveTimer: NodeJS.Timeout;
  readonly #handshakeTimer: NodeJS.Timeout;
  #closed = false;
  #socketClosed: Promise<void> | undefined;

  constructor(ws: WebSocket, context: SessionContext, remoteAddress: string) {
    this.#ws = ws;
    this.#context = context;
    this.#log = context.logger.child({ sessionId: this.id, remoteAddress });
    this.#log.info('signalling session opened');
    this.#plays = new SessionPlays({
      player: context.player,
      log: this.#log,
      send: (message, ...data) => this.#send(message, ...data),
      isPublishing: (mediaSessionId) => this.#publishes.has(mediaSessionId),
    });
    ws.on('message', (data, isBinary) => {
      this.#lastHeard = Date.now();
      if (isBinary) return;
      this.#onText(data.toString());
    });
    ws.on('pong', () => (this.#lastHeard = Date.now()));
    ws.on('close', () => this.#onClosed());
    ws.on('error', (err) => this.#log.warn({ err: err.message }, 'signalling socket error'));
    this.#keepAliveTimer = setInterval(() => this.#keepAlive(), PING_INTERVAL_MS);
    this.#handshakeTimer = setTimeout(() => this.#onHandshakeTimeout(), context.handshakeTimeoutMs);
  }

  /**
   * Closes the socket (gateway shutdown); publishes and plays end with "Stopped by session disconnect".
   * Resolves once the socket is closed, after 1 s at most: until then ws may still emit (and we log) events.
   */
  close(): Promise<void> {
    this.#closeSocket(1001, 'server shutting down');
    this.#onClosed();
    return this.#socketClosed!;
  }

  /** Sends a close frame and cuts the socket off if the client does not answer it within 1 s; resolves once it is closed. */
  #closeSocket(code: number, reason: string): void {
    this.#socketClosed ??= new Promise<void>((resolve) => {
      if (this.#ws.readyState === this.#ws.CLOSED) return resolve();
      const timer = setTimeout(() => this.#ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS);
      this.#ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      // A close reason is at most 123 bytes.
      this.#ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
    });
  }

  #keepAlive(): void {
    if (Date.now() - this.#lastHeard > IDLE_TIMEOUT_MS) {
      this.#log.warn('signalling client silent, closing');
      this.#ws.terminate();
      return;
    }
    this.#ws.ping();
    if (this.#state === 'established') this.#send('ping', null);
  }

  #onHandshakeTimeout(): void {
    if (this.#state !== 'awaiting-connection' || this.#closed) return;
    const { handshakeTimeoutMs } = this.#context;
    this.#context.limits.reached('ws_handshake_timeout');
    this.#log.warn({ limit: 'ws_handshake_timeout', timeoutMs: handshakeTimeoutMs }, 'no connection message in time, closing');
    this.#closeSocket(POLICY_VIOLATION, `no connection message within ${handshakeTimeoutMs} ms`);
  }

  #onText(text: string): void {
    let message: string;
    let data: unknown[];
    try {
      ({ message, data } = parseEnvelope(text));
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'malformed signalling frame ignored');
      this.#send('fail', { apiMethod: 'unknown', info: (err as Error).message });
      return;
    }
    void this.#guarded(message, () => this.#dispatch(message, data));
  }

  /** Runs one handler: whatever it throws, synchronously or not, is logged and answered with `fail`. */
  async #guarded(message: string, handle: () => Promise<void> | void): Promise<void> {
    const quoted = message.slice(0, MAX_QUOTED_NAME);
    try {
      await handle();
    } catch (err) {
      this.#log.error({ err, signallingMessage: quoted }, 'signalling handler failed');
      this.#send('fail', { apiMethod: quoted, info: StreamStatusInfo.FAILED_BY_ERROR });
    }
  }

  async #dispatch(message: string, data: unknown[]): Promise<void> {
    switch (message) {
      case 'connection':
        return this.#onConnection(data);
      case 'publishStream':
        return this.#onPublishStream(data);
      case 'playStream':
        return this.#plays.play(data, this.#state === 'established');
      case 'unPublishStream':
        return this.#onUnpublish(data);
      case 'stopStream':
        // The stock SDK stops its plays with it; for a publish it means unPublishStream, as it always did here.
        return this.#plays.stop(readMediaSessionId(data) ?? '') ? undefined : this.#onUnpublish(data);
      case 'ping':
        return this.#send('pong', null);
      case 'pong':
        return;
      default:
        this.#log.debug({ signallingMessage: message.slice(0, MAX_QUOTED_NAME) }, 'signalling message not supported, ignored');
    }
  }

  async #onConnection(data: unknown[]): Promise<void> {
    if (this.#state !== 'awaiting-connection') {
      this.#log.debug('repeated connection message ignored');
      return;
    }
    clearTimeout(this.#handshakeTimer);
    this.#state = 'connecting';
    const request = readConnection(data);
    this.#appKey = request.appKey;
    const log = this.#log.child({ appKey: request.appKey, clientVersion: request.clientVersion });
    const { hooks } = this.#context;
    if (hooks) {
      // The token is a secret: the log gets a fingerprint to match lines of one client by.
      log.info({ authToken: fingerprint(request.authToken) }, 'asking the connect hook');
      const refusal = await hooks.connect(request, { sessionId: this.id, appKey: request.appKey }, log);
      if (this.#closed) return;
      if (refusal !== undefined) {
        this.#state = 'refused';
        log.warn({ reason: refusal }, 'signalling session refused');
        this.#send('fail', { apiMethod: 'ConnectionStatusEvent', status: 'FAILED', info: refusal });
        this.#closeSocket(POLICY_VIOLATION, refusal);
        return;
      }
    }
    this.#state = 'established';
    log.info('signalling session established');
    const ice = this.#context.iceServers?.configured ? this.#context.iceServers.forClient(this.id) : undefined;
    this.#send('getUserData', userData(request, this.id, ice));
  }

  async #onPublishStream(data: unknown[]): Promise<void> {
    const { mediaSessionId: id, name } = readStreamIds(data);
    const request = readPublishStream(data);
    if (typeof request === 'string') return this.#notify(id, name, 'FAILED', request);
    if (this.#state !== 'established') return this.#notify(id, name, 'FAILED', StreamStatusInfo.SESSION_NOT_READY);
    if (this.#publishes.has(id) || this.#plays.has(id)) return this.#notify(id, name, 'FAILED', StreamStatusInfo.MEDIASESSION_ID_ALREADY_IN_USE);
    const { maxPublishes } = this.#context;
    if (this.#publishes.size >= maxPublishes) {
      this.#context.limits.reached('ws_publishes_per_session');
      this.#log.warn({ limit: 'ws_publishes_per_session', max: maxPublishes, streamName: name, mediaSessionId: id }, 'publish refused: too many in this session');
      return this.#notify(id, name, 'FAILED', `Too many streams published in this session (at most ${maxPublishes})`);
    }
    const entry: PublishEntry = { name };
    this.#publishes.set(id, entry);
    const log = this.#log.child({ streamName: name, mediaSessionId: id });
    try {
      const handle = await this.#context.publisher.publish(request, {
        authorize: (offered) => this.#authorize(offered, entry, log),
        onPublishing: () => this.#notify(id, entry.name, 'PUBLISHING', ''),
        onEnded: (info, failed) => {
          this.#publishes.delete(id);
          this.#notify(id, entry.name, failed ? 'FAILED' : 'UNPUBLISHED', info);
        },
      }, log);
      if (entry.stoppedEarly !== undefined || this.#closed) {
        handle.stop(entry.stoppedEarly ?? EndReasons.sessionDisconnect);
        return;
      }
      entry.handle = handle;
      this.#send('setRemoteSDP', id, handle.answerSdp);
    } catch (err) {
      this.#publishes.delete(id);
      if (entry.stoppedEarly !== undefined) return this.#notify(id, entry.name, 'UNPUBLISHED', entry.stoppedEarly.info);
      if (!(err instanceof PublishRejectedError)) log.error({ err }, 'publish failed');
      this.#notify(id, entry.name, 'FAILED', err instanceof PublishRejectedError ? err.message : StreamStatusInfo.FAILED_BY_ERROR);
    }
  }

  /** The publishStream hook, when there is one; and the last word of a client that left meanwhile. */
  async #authorize(offered: PublishStreamRequest, entry: PublishEntry, log: Logger): Promise<PublishStreamRequest> {
    let granted = offered;
    const { hooks } = this.#context;
    if (hooks) {
      const answer = await hooks.publish(offered, { sessionId: this.id, appKey: this.#appKey }, log);
      if (typeof answer === 'string') {
        log.warn({ reason: answer }, 'publish refused by the publishStream hook');
        throw new PublishRejectedError(answer);
      }
      granted = answer;
    }
    if (entry.stoppedEarly !== undefined || this.#closed) throw new PublishRejectedError((entry.stoppedEarly ?? EndReasons.sessionDisconnect).info);
    entry.name = granted.name;
    return granted;
  }

  #onUnpublish(data: unknown[]): void {
    const id = readMediaSessionId(data);
    const entry = id === undefined ? undefined : this.#publishes.get(id);
    if (!entry) {
      this.#log.debug({ mediaSessionId: id }, 'unPublishStream for an unknown stream ignored');
      return;
    }
    if (entry.handle) entry.handle.stop(EndReasons.publisherStop);
    else entry.stoppedEarly = EndReasons.publisherStop;
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAliveTimer);
    clearTimeout(this.#handshakeTimer);
    for (const entry of this.#publishes.values()) {
      if (entry.handle) entry.handle.stop(EndReasons.sessionDisconnect);
      else entry.stoppedEarly = EndReasons.sessionDisconnect;
    }
    this.#plays.close();
    this.#log.info('signalling session closed');
  }

  #notify(mediaSessionId: string, name: string, status: StreamStatus, info: string): void {
    this.#send('notifyStreamStatusEvent', { mediaSessionId, name, published: true, status, info });
  }

  /** Sends one frame; never throws. A client that does not read what it is sent is cut off. */
  #send(message: string, ...data: unknown[]): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > MAX_UNSENT_BYTES) {
      this.#log.warn({ unsentBytes: this.#ws.bufferedAmount }, 'signalling client does not read its messages, cutting it off');
      this.#ws.terminate();
      return;
    }
    this.#ws.send(envelope(message, ...data));
  }
}

/** A short, one-way fingerprint of a secret for the logs (undefined when there is none). */
function fingerprint(secret: string | undefined): string | undefined {
  return secret === undefined ? undefined : `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}
