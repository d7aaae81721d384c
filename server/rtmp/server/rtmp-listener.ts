import net from 'node:net';
import type { EndReason } from '../../hub/end-reason';
import { ServerSession, type ServerSessionOptions } from './server-session';

/** Stable reasons a listener cannot start. */
export type RtmpListenErrorCode = 'PORT_IN_USE' | 'PORT_NOT_PERMITTED' | 'LISTEN_FAILED';

/** The port could not be bound; the message says why, for the API's user. */
export class RtmpListenError extends Error {
  override readonly name = 'RtmpListenError';

  constructor(
    readonly code: RtmpListenErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Where to listen and what each session gets. */
export interface RtmpListenerOptions extends ServerSessionOptions {
  /** IP address to bind, e.g. 0.0.0.0. */
  readonly host: string;
  /** TCP port, 1..65535. */
  readonly port: number;
  /** Clients connected at once; more are refused at accept. Default 256. */
  readonly maxConnections?: number;
}

const DEFAULT_MAX_CONNECTIONS = 256;

/**
 * An RTMP server on one TCP port: accepts clients (at most maxConnections, and maxConnectionsPerIp
 * from one address) and gives each its own ServerSession, so a broken or hostile client never touches another. close() drops every client and frees the port.
 */
export class RtmpListener {
  readonly #server: net.Server;
  readonly #sessions = new Set<ServerSession>();
  /** Connected clients by IP address, for maxConnectionsPerIp. */
  readonly #perIp = new Map<string, number>();
  readonly #options: RtmpListenerOptions;

  private constructor(server: net.Server, options: RtmpListenerOptions) {
    this.#server = server;
    this.#options = options;
    server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('connection', (socket) => this.#accept(socket));
    server.on('drop', (drop) => options.logger.warn({ client: drop?.remoteAddress, maxConnections: server.maxConnections }, 'connection refused: too many clients'));
    server.on('error', (err) => options.logger.error({ err }, 'RTMP listener error'));
  }

  /** Binds the port and starts accepting; rejects with RtmpListenError (PORT_IN_USE also when another program holds it). */
  static listen(options: RtmpListenerOptions): Promise<RtmpListener> {
    const server = net.createServer();
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options)));
      server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
        server.removeAllListeners('error');
        options.logger.info({ host: options.host, port: options.port }, 'RTMP server listening');
        resolve(new RtmpListener(server, options));
      });
    });
  }

  /** Disconnects every client (their publishes end with `reason`) and frees the port; resolves once every session has closed. */
  async close(reason: EndReason): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // The server's close callback runs before the 'close' events of the sockets it waited for, and a
    // session ends its publishes and logs its last line on that event: wait for the sessions too.
    const sessionsClosed = [...this.#sessions].map((session) => new Promise<void>((resolve) => session.once('closed', resolve)));
    for (const session of this.#sessions) session.close(reason);
    await Promise.all([closed, ...sessionsClosed]);
    this.#options.logger.info({ port: this.#options.port }, 'RTMP server stopped');
  }

  #accept(socket: net.Socket): void {
    const ip = socket.remoteAddress ?? '';
    const connected = this.#perIp.get(ip) ?? 0;
    const { maxConnectionsPerIp } = this.#options.limits;
    if (connected >= maxConnectionsPerIp) {
      // One address must not take every slot of maxConnections from everyone else.
      this.#options.logger.warn({ client: ip, limit: 'rtmp_connections_per_ip', maxConnectionsPerIp }, 'connection refused: too many clients from this address');
      this.#options.limitReporter.reached('rtmp_connections_per_ip');
      socket.destroy();
      return;
    }
    this.#perIp.set(ip, connected + 1);
    const session = new ServerSession(socket, this.#options);
    this.#sessions.add(session);
    session.once('closed', () => {
      this.#sessions.delete(session);
      const left = this.#perIp.get(ip)! - 1;
      if (left === 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
    });
  }
}

function listenError(err: NodeJS.ErrnoException, options: RtmpListenerOptions): RtmpListenError {
  const where = `${options.host}:${options.port}`;
  if (err.code === 'EADDRINUSE') return new RtmpListenError('PORT_IN_USE', `port ${options.port} is already in use (${where}, possibly by another program)`, { cause: err });
  if (err.code === 'EACCES') return new RtmpListenError('PORT_NOT_PERMITTED', `not permitted to listen on ${where} (ports below 1024 need privileges)`, { cause: err });
  return new RtmpListenError('LISTEN_FAILED', `cannot listen on ${where}: ${err.message}`, { cause: err });
}
