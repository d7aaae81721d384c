import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from '../log';
import { EndReasons, type EndReason } from '../hub/end-reason';
import { envelope, parseEnvelope, readMediaSessionId, readPublishStream, StreamStatusInfo, type StreamStatus } from './protocol';
import { PublishRejectedError, type PublishHandle, type PublishService } from './publish-service';

/** Closes a client that has answered neither a WebSocket ping nor sent anything for this long, ms. */
const IDLE_TIMEOUT_MS = 30_000;
/** WCS pings its clients; the SDK answers `pong`. ms. */
const PING_INTERVAL_MS = 10_000;
/** At shutdown, a client that has not answered the close handshake by then is cut off, ms (ws itself waits 30 s). */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000;

interface PublishEntry {
  name: string;
  handle?: PublishHandle;
  /** Set when the client stops before negotiation finished. */
  stoppedEarly?: EndReason;
}

/**
 * One client's WebSocket: the WCS session state machine (connection → getUserData, publishStream →
 * setRemoteSDP + notifyStreamStatusEvent, unPublishStream, ping/pong). Every message is handled in
 * isolation: a bad frame is logged and answered, never allowed to break the session or the server.
 */
export class SignallingSession {
  readonly id = randomUUID();
  readonly #ws: WebSocket;
  readonly #publisher: PublishService;
  readonly #log: Logger;
  readonly #publishes = new Map<string, PublishEntry>();
  #established = false;
  #lastHeard = Date.now();
  readonly #timer: NodeJS.Timeout;
  #closed = false;
  #socketClosed: Promise<void> | undefined;

  constructor(ws: WebSocket, publisher: PublishService, logger: Logger, remoteAddress: string) {
    this.#ws = ws;
    this.#publisher = publisher;
    this.#log = logger.child({ sessionId: this.id, remoteAddress });
    this.#log.info('signalling session opened');
    ws.on('message', (data, isBinary) => {
      this.#lastHeard = Date.now();
      if (isBinary) return;
      this.#onText(data.toString());
    });
    ws.on('pong', () => (this.#lastHeard = Date.now()));
    ws.on('close', () => this.#onClosed());
    ws.on('error', (err) => this.#log.warn({ err: err.message }, 'signalling socket error'));
    this.#timer = setInterval(() => this.#keepAlive(), PING_INTERVAL_MS);
  }

  /**
   * Closes the socket (gateway shutdown); publishes end with "Stopped by session disconnect".
   * Resolves once the socket is closed, after 1 s at most: until then ws may still emit (and we log) events.
   */
  close(): Promise<void> {
    this.#socketClosed ??= new Promise<void>((resolve) => {
      if (this.#ws.readyState === this.#ws.CLOSED) return resolve();
      const timer = setTimeout(() => this.#ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS);
      this.#ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#ws.close(1001, 'server shutting down');
    });
    this.#onClosed();
    return this.#socketClosed;
  }

  #keepAlive(): void {
    if (Date.now() - this.#lastHeard > IDLE_TIMEOUT_MS) {
      this.#log.warn('signalling client silent, closing');
      this.#ws.terminate();
      return;
    }
    this.#ws.ping();
    if (this.#established) this.#send('ping', null);
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
    switch (message) {
      case 'connection':
        this.#onConnection(data);
        break;
      case 'publishStream':
        this.#onPublishStream(data);
        break;
      case 'unPublishStream':
      case 'stopStream':
        this.#onUnpublish(data);
        break;
      case 'ping':
        this.#send('pong', null);
        break;
      case 'pong':
        break;
      default:
        this.#log.debug({ message }, 'signalling message not supported, ignored');
    }
  }

  #onConnection(data: unknown[]): void {
    const request = typeof data[0] === 'object' && data[0] !== null ? (data[0] as Record<string, unknown>) : {};
    this.#established = true;
    this.#log.info({ appKey: request.appKey, clientVersion: request.clientVersion }, 'signalling session established');
    this.#send('getUserData', { ...request, sessionId: this.id, authToken: this.id, status: 'ESTABLISHED' });
  }

  #onPublishStream(data: unknown[]): void {
    const request = readPublishStream(data);
    const raw = (typeof data[0] === 'object' && data[0] !== null ? data[0] : {}) as Record<string, unknown>;
    const id = typeof raw.mediaSessionId === 'string' ? raw.mediaSessionId : '';
    const name = typeof raw.name === 'string' ? raw.name : '';
    if (typeof request === 'string') {
      this.#notify(id, name, 'FAILED', request);
      return;
    }
    if (!this.#established) {
      this.#notify(id, name, 'FAILED', StreamStatusInfo.SESSION_NOT_READY);
      return;
    }
    if (this.#publishes.has(id)) {
      this.#notify(id, name, 'FAILED', StreamStatusInfo.MEDIASESSION_ID_ALREADY_IN_USE);
      return;
    }
    const entry: PublishEntry = { name };
    this.#publishes.set(id, entry);
    const log = this.#log.child({ streamName: name, mediaSessionId: id });
    this.#publisher
      .publish(request, {
        onPublishing: () => this.#notify(id, name, 'PUBLISHING', ''),
        onEnded: (info, failed) => {
          this.#publishes.delete(id);
          this.#notify(id, name, failed ? 'FAILED' : 'UNPUBLISHED', info);
        },
      }, log)
      .then((handle) => {
        if (entry.stoppedEarly !== undefined || this.#closed) {
          handle.stop(entry.stoppedEarly ?? EndReasons.sessionDisconnect);
          return;
        }
        entry.handle = handle;
        this.#send('setRemoteSDP', id, handle.answerSdp);
      })
      .catch((err: unknown) => {
        this.#publishes.delete(id);
        const info = err instanceof PublishRejectedError ? err.message : StreamStatusInfo.FAILED_BY_ERROR;
        if (!(err instanceof PublishRejectedError)) log.error({ err }, 'publish failed');
        this.#notify(id, name, 'FAILED', info);
      });
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
    clearInterval(this.#timer);
    for (const entry of this.#publishes.values()) {
      if (entry.handle) entry.handle.stop(EndReasons.sessionDisconnect);
      else entry.stoppedEarly = EndReasons.sessionDisconnect;
    }
    this.#log.info('signalling session closed');
  }

  #notify(mediaSessionId: string, name: string, status: StreamStatus, info: string): void {
    this.#send('notifyStreamStatusEvent', { mediaSessionId, name, published: true, status, info });
  }

  #send(message: string, ...data: unknown[]): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(envelope(message, ...data));
  }
}
