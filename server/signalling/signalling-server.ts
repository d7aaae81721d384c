import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { listenFailure } from '../config/listen-failure';
import { RestHookClient, type RestHookOptions } from '../hooks/rest-hook-client';
import type { ClientIceServers } from '../ice-servers/client-ice-servers';
import type { Logger } from '../log';
import type { LimitReporter } from '../metrics/limits';
import { ConnectionAdmission, type ConnectionRefusal } from './connection-admission';
import { HookAuthorizer } from './hook-authorizer';
import type { PlayService } from './play-service';
import type { PublishService } from './publish-service';
import { RefusalLog } from './refusal-log';
import { SignallingSession, type SessionContext } from './session';

/** Where the signalling listens. */
export interface SignallingListenOptions {
  host: string;
  /** ws:// port (WCS default 8080). */
  wsPort: number;
  /** wss:// port (WCS default 8443), used only with `tls`. */
  wssPort: number;
  tls?: { cert: Buffer; key: Buffer };
}

/** Bounds on what clients of the signalling may hold. */
export interface SignallingLimits {
  /** WebSockets open at once, all clients together. */
  maxConnections: number;
  /** WebSockets open at once from one IPv4 address or IPv6 /64. */
  maxConnectionsPerIp: number;
  /** Publishes one session may have at once, negotiating or publishing. */
  maxPublishesPerSession: number;
  /** Time a client has from connecting (TCP) to sending `connection`, ms. */
  handshakeTimeoutMs: number;
}

/** Everything the signalling needs beside the publish service. */
export interface SignallingOptions {
  limits: SignallingLimits;
  /** Told of every refusal at a limit. */
  reporter: LimitReporter;
  /** The REST hooks (`connect`, `publishStream`); absent, every connection and publish is allowed. */
  hooks?: RestHookOptions;
  /** ICE servers handed to clients in `getUserData`. */
  iceServers?: ClientIceServers;
  /** Plays streams to WebRTC viewers (`playStream`); absent, playStream is answered FAILED. */
  player?: PlayService;
}

/** Largest signalling frame accepted, bytes (an SDP offer is ~10 KB). */
const MAX_FRAME_BYTES = 256 * 1024;
/**
 * TCP connections a signalling port takes beyond the WebSocket bound: those still in their HTTP
 * handshake or being refused. Past that the kernel's connections are dropped unanswered, so a flood
 * of raw connections cannot take every file descriptor either.
 */
const PRE_UPGRADE_HEADROOM = 128;

/** The WCS-compatible WebSocket endpoint(s): one SignallingSession per client, within the limits. */
export class SignallingServer {
  readonly #servers: Array<http.Server | https.Server> = [];
  readonly #sessions = new Set<SignallingSession>();
  readonly #options: SignallingOptions;
  readonly #context: SessionContext;
  readonly #hookClient: RestHookClient | undefined;
  readonly #admission: ConnectionAdmission;
  readonly #refusals: RefusalLog;
  readonly #log: Logger;

  constructor(publisher: PublishService, logger: Logger, options: SignallingOptions) {
    this.#options = options;
    this.#log = logger.child({ component: 'signalling' });
    this.#admission = new ConnectionAdmission(options.limits);
    this.#refusals = new RefusalLog(this.#log);
    this.#hookClient = options.hooks ? new RestHookClient(options.hooks, logger) : undefined;
    this.#context = {
      publisher,
      logger: this.#log,
      maxPublishes: options.limits.maxPublishesPerSession,
      handshakeTimeoutMs: options.limits.handshakeTimeoutMs,
      limits: options.reporter,
      ...(this.#hookClient ? { hooks: new HookAuthorizer(this.#hookClient) } : {}),
      ...(options.iceServers ? { iceServers: options.iceServers } : {}),
      ...(options.player ? { player: options.player } : {}),
    };
  }

  /** Starts listening; resolves once every port is bound (rejects on EADDRINUSE etc.). */
  async listen(options: SignallingListenOptions): Promise<void> {
    const timeouts = this.#httpTimeouts();
    await this.#listenOn(http.createServer(timeouts), options.host, options.wsPort, 'ws.port');
    if (options.tls) await this.#listenOn(https.createServer({ ...options.tls, ...timeouts }), options.host, options.wssPort, 'wss.port');
  }

  /**
   * A client that connects and sends nothing, or sends its HTTP request slowly, is dropped after
   * the handshake timeout, like one that upgrades and never sends `connection`.
   */
  #httpTimeouts(): http.ServerOptions {
    const timeoutMs = this.#options.limits.handshakeTimeoutMs;
    return { headersTimeout: timeoutMs, requestTimeout: timeoutMs, connectionsCheckingInterval: Math.min(1000, timeoutMs) };
  }

  async #listenOn(server: http.Server | https.Server, host: string, port: number, setting: 'ws.port' | 'wss.port'): Promise<void> {
    const scheme = setting === 'ws.port' ? 'ws' : 'wss';
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    server.timeout = this.#options.limits.handshakeTimeoutMs;
    server.maxConnections = this.#options.limits.maxConnections + PRE_UPGRADE_HEADROOM;
    server.on('request', (_req, res) => void res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('WebSocket only (WCS signalling)\n'));
    server.on('upgrade', (request, socket, head) => {
      const remoteAddress = request.socket.remoteAddress ?? '';
      const slot = this.#admission.admit(remoteAddress);
      if ('limit' in slot) {
        this.#refuse(socket, remoteAddress, slot);
        return;
      }
      // Freed with the TCP connection, whether the upgrade succeeds or not.
      socket.once('close', () => slot.release());
      wss.handleUpgrade(request, socket, head, (ws) => {
        const session = new SignallingSession(ws, this.#context, remoteAddress);
        this.#sessions.add(session);
        ws.once('close', () => this.#sessions.delete(session));
      });
    });
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error): void => reject(listenFailure(setting, host, port, err));
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    this.#servers.push(server);
    this.#log.info({ url: `${scheme}://${host}:${port}` }, 'signalling listening');
  }

  /** Answers an upgrade beyond a limit with 503 or 429 and closes the connection once that is out. */
  #refuse(socket: Duplex, remoteAddress: string, refusal: ConnectionRefusal): void {
    this.#options.reporter.reached(refusal.limit);
    this.#refusals.refused(refusal.limit, remoteAddress, refusal.reason);
    const body = `${refusal.reason}\n`;
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nConnection: close\r\nRetry-After: 10\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      // A client that never closes its side must not keep the descriptor.
      () => socket.destroy(),
    );
  }

  /**
   * Closes every session and stops listening; resolves once every session's socket has closed (1 s at
   * most each), so nothing a session logs comes after. A server's own close callback is not enough:
   * it runs before the 'close' events of the sockets it waited for. Hook calls in flight are abandoned.
   */
  async close(): Promise<void> {
    this.#hookClient?.close();
    const sessionsClosed = [...this.#sessions].map((session) => session.close());
    this.#sessions.clear();
    const serversClosed = this.#servers.map((server) => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
    this.#servers.length = 0;
    await Promise.all([...sessionsClosed, ...serversClosed]);
  }
}
