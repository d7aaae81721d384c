import http from 'node:http';
import https from 'node:https';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log';
import type { PublishService } from './publish-service';
import { SignallingSession } from './session';

/** Where the signalling listens. */
export interface SignallingListenOptions {
  host: string;
  /** ws:// port (WCS default 8080). */
  wsPort: number;
  /** wss:// port (WCS default 8443), used only with `tls`. */
  wssPort: number;
  tls?: { cert: Buffer; key: Buffer };
}

/** Largest signalling frame accepted, bytes (an SDP offer is ~10 KB). */
const MAX_FRAME_BYTES = 256 * 1024;

/** The WCS-compatible WebSocket endpoint(s): one SignallingSession per client. */
export class SignallingServer {
  readonly #servers: Array<http.Server | https.Server> = [];
  readonly #sessions = new Set<SignallingSession>();
  readonly #publisher: PublishService;
  readonly #log: Logger;

  constructor(publisher: PublishService, logger: Logger) {
    this.#publisher = publisher;
    this.#log = logger.child({ component: 'signalling' });
  }

  /** Starts listening; resolves once every port is bound (rejects on EADDRINUSE etc.). */
  async listen(options: SignallingListenOptions): Promise<void> {
    await this.#listenOn(http.createServer(), options.host, options.wsPort, 'ws');
    if (options.tls) await this.#listenOn(https.createServer(options.tls), options.host, options.wssPort, 'wss');
  }

  async #listenOn(server: http.Server | https.Server, host: string, port: number, scheme: string): Promise<void> {
    const wss = new WebSocketServer({ server, maxPayload: MAX_FRAME_BYTES });
    wss.on('connection', (ws, request) => {
      const session = new SignallingSession(ws, this.#publisher, this.#log, request.socket.remoteAddress ?? '');
      this.#sessions.add(session);
      ws.once('close', () => this.#sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#servers.push(server);
    this.#log.info({ url: `${scheme}://${host}:${port}` }, 'signalling listening');
  }

  /**
   * Closes every session and stops listening; resolves once every session's socket has closed (1 s at
   * most each), so nothing a session logs comes after. A server's own close callback is not enough:
   * it runs before the 'close' events of the sockets it waited for.
   */
  async close(): Promise<void> {
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
