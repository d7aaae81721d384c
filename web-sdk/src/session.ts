import { ERROR_INFO, SESSION_STATUS, STREAM_STATUS, type SessionStatus } from './constants';
import { type ClientMessage, connectionRequest, encodeClientMessage } from './client-messages';
import { EventCallbacks } from './event-callbacks';
import { type IceConfiguration, peerConfiguration, serverIceConfiguration } from './ice-configuration';
import type { PublishConstraints, Session, SessionEvents, SessionOptions, Stream, StreamOptions } from './public-types';
import { type ServerFailure, type ServerMessage, decodeServerMessage } from './server-messages';
import { GatewayStream, type StreamHost } from './stream';
import { randomUuid } from './uuid';

/** Session implementation over a browser WebSocket. */
export class GatewaySession implements Session {
  private readonly sessionId = randomUuid();
  private readonly callbacks = new EventCallbacks<SessionEvents>();
  private readonly streams = new Map<string, GatewayStream>();
  private readonly socket: WebSocket;
  private readonly streamHost: StreamHost;
  private currentStatus: SessionStatus = SESSION_STATUS.PENDING;
  /** ICE servers and policy from the gateway's getUserData. */
  private serverIce: IceConfiguration = {};
  private connectTimer?: ReturnType<typeof setTimeout>;

  /** Opens the WebSocket at once; throws like `new WebSocket()` for a malformed URL. */
  constructor(
    private readonly options: SessionOptions,
    defaultConstraints: PublishConstraints,
  ) {
    const serverIce = (): IceConfiguration => this.serverIce;
    this.streamHost = {
      send: (message) => this.send(message),
      forget: (mediaSessionId) => this.streams.delete(mediaSessionId),
      // Read when a stream creates its peer, after getUserData.
      get peerConfig() {
        return peerConfiguration(options, serverIce());
      },
      defaultConstraints,
    };
    this.socket = new WebSocket(options.urlServer);
    this.socket.onopen = () => this.handleOpen();
    this.socket.onmessage = (event) => this.handleFrame(event.data);
    this.socket.onerror = () => this.end(SESSION_STATUS.FAILED);
    this.socket.onclose = () => this.end(SESSION_STATUS.DISCONNECTED);
    if (options.timeout !== undefined && options.timeout > 0) {
      this.connectTimer = setTimeout(() => {
        if (this.socket.readyState === WebSocket.CONNECTING) {
          this.socket.close(); // fires error, then close: FAILED
        }
      }, options.timeout);
    }
  }

  id(): string {
    return this.sessionId;
  }

  status(): SessionStatus {
    return this.currentStatus;
  }

  getServerUrl(): string {
    return this.options.urlServer;
  }

  on<K extends keyof SessionEvents>(event: K, callback: (...args: SessionEvents[K]) => void): Session {
    this.callbacks.set(event, callback);
    return this;
  }

  createStream(options: StreamOptions): Stream {
    if (this.currentStatus !== SESSION_STATUS.ESTABLISHED) {
      throw new Error(`${ERROR_INFO.INVALID_SESSION_STATE} ${this.currentStatus}`);
    }
    if (!options) {
      throw new TypeError(ERROR_INFO.OPTIONS_MUST_BE_PROVIDED);
    }
    if (!options.name) {
      throw new TypeError(ERROR_INFO.OPTIONS_NAME_MUST_BE_PROVIDED);
    }
    const stream = new GatewayStream(options, this.streamHost);
    this.streams.set(stream.id(), stream);
    return stream;
  }

  getStreams(): Stream[] {
    return [...this.streams.values()];
  }

  disconnect(): void {
    this.socket.close();
  }

  private handleOpen(): void {
    clearTimeout(this.connectTimer);
    this.currentStatus = SESSION_STATUS.CONNECTED;
    this.callbacks.fire(SESSION_STATUS.CONNECTED, this);
    this.send({
      message: 'connection',
      payload: connectionRequest({
        appKey: this.options.appKey ?? 'defaultApp',
        clientOSVersion: navigator.appVersion,
        clientBrowserVersion: navigator.userAgent,
        authToken: this.options.authToken,
        custom: this.options.custom,
      }),
    });
  }

  private handleFrame(data: unknown): void {
    if (typeof data !== 'string') {
      return; // binary frames carry nothing for this SDK
    }
    let message: ServerMessage;
    try {
      message = decodeServerMessage(data);
    } catch (error) {
      console.warn('gateway-sdk: ignoring a malformed server frame:', error);
      return;
    }
    switch (message.kind) {
      case 'ping':
        this.send({ message: 'pong', payload: null });
        return;
      case 'userData':
        this.serverIce = serverIceConfiguration(message.userData);
        this.currentStatus = SESSION_STATUS.ESTABLISHED;
        this.callbacks.fire(SESSION_STATUS.ESTABLISHED, this, message.userData);
        return;
      case 'remoteSdp':
        this.streams.get(message.mediaSessionId)?.handleRemoteSdp(message.sdp);
        return;
      case 'streamStatus':
        this.streams.get(message.event.mediaSessionId)?.handleStatusEvent(message.event.status, message.event.info);
        return;
      case 'fail':
        this.handleFailure(message.failure);
        return;
      case 'ignored':
        return;
    }
  }

  /**
   * A rejected stream request fails that stream (the official SDK leaves it in limbo); a refused
   * connection (the gateway's connect REST hook said no) fails the session. Every `fail` is also a WARN.
   */
  private handleFailure(failure: ServerFailure): void {
    if (failure.apiMethod === 'StreamStatusEvent' && failure.id !== undefined) {
      this.streams.get(failure.id)?.handleStatusEvent(STREAM_STATUS.FAILED, failure.info);
    }
    this.callbacks.fire(SESSION_STATUS.WARN, failure);
    if (failure.apiMethod === 'ConnectionStatusEvent') this.end(SESSION_STATUS.FAILED);
  }

  /** The socket is gone: every stream FAILED (as in the official SDK), then the session callback; once only. */
  private end(status: typeof SESSION_STATUS.FAILED | typeof SESSION_STATUS.DISCONNECTED): void {
    if (this.currentStatus === SESSION_STATUS.FAILED || this.currentStatus === SESSION_STATUS.DISCONNECTED) {
      return;
    }
    clearTimeout(this.connectTimer);
    this.currentStatus = status;
    for (const stream of [...this.streams.values()]) {
      stream.handleStatusEvent(STREAM_STATUS.FAILED);
    }
    this.callbacks.fire(status, this);
  }

  private send(message: ClientMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(encodeClientMessage(message));
    }
  }
}
