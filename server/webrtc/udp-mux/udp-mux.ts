import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../log';
import { MuxRouter, type Deliver, type MuxLimits, type PeerRoute, type UdpMuxStats } from './mux-router';

/** Where the mux binds and what it may hold. */
export interface UdpMuxOptions {
  /** IPv4 or IPv6 address to bind; 0.0.0.0 or :: for every interface of that family. */
  readonly address: string;
  /** UDP port; 0 lets the system choose. */
  readonly port: number;
  readonly limits?: Partial<MuxLimits>;
  readonly logger: Logger;
}

const DEFAULT_LIMITS: MuxLimits = {
  // Far above what the signalling admits (ws_max_connections × ws_max_publishes_per_session by default is 2,000).
  maxPeers: 4096,
  // A browser offers a host candidate per interface, a server-reflexive and a relayed one: a handful.
  maxAddressesPerPeer: 16,
};
/**
 * Receive buffer asked for the shared socket, bytes. Every publisher's packets now queue in one
 * socket while the event loop is busy; the kernel caps the request at net.core.rmem_max.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * One UDP socket shared by every WebRTC peer of the gateway (ICE, DTLS, SRTP), demultiplexed by
 * MuxRouter. Peers register by their local ICE credentials and send with an explicit destination
 * each time: the socket is never "connected" to anyone.
 */
export class UdpMux {
  readonly #socket: dgram.Socket;
  readonly #router: MuxRouter;
  readonly #log: Logger;
  #sendErrors = 0;
  #closing: Promise<void> | undefined;

  private constructor(socket: dgram.Socket, router: MuxRouter, logger: Logger) {
    this.#socket = socket;
    this.#router = router;
    this.#log = logger;
    socket.on('message', (data, remote) => this.#router.route(data, remote.address, remote.port));
    socket.on('error', (err) => this.#log.warn({ err: err.message }, 'WebRTC UDP socket error'));
  }

  /** Binds the socket; rejects with the system's error (EADDRINUSE, EADDRNOTAVAIL...) when it cannot. */
  static async bind(options: UdpMuxOptions): Promise<UdpMux> {
    // One family per socket: an IPv6 socket would see IPv4 peers as ::ffff:a.b.c.d, which werift does not pair.
    const socket = net.isIPv6(options.address)
      ? dgram.createSocket({ type: 'udp6', ipv6Only: true, recvBufferSize: RECEIVE_BUFFER_BYTES })
      : dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: options.address, port: options.port }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    const mux = new UdpMux(socket, new MuxRouter({ ...DEFAULT_LIMITS, ...options.limits }), options.logger);
    options.logger.info({ address: mux.address, port: mux.port, receiveBufferBytes: socket.getRecvBufferSize() }, 'WebRTC UDP port bound: every peer shares it');
    return mux;
  }

  /** The bound port (the chosen one when bound to 0). */
  get port(): number {
    return this.#socket.address().port;
  }

  get address(): string {
    return this.#socket.address().address;
  }

  /** 4 or 6: the family of every address the socket talks to. */
  get family(): 4 | 6 {
    return this.#socket.address().family === 'IPv6' ? 6 : 4;
  }

  get stats(): UdpMuxStats & { sendErrors: number } {
    return { ...this.#router.stats, sendErrors: this.#sendErrors };
  }

  /** True when a peer holds `ufrag`. */
  hasUfrag(ufrag: string): boolean {
    return this.#router.has(ufrag);
  }

  /**
   * Registers a peer by its local ICE ufrag and password (the ones its answer carries). Throws
   * MuxRegistrationError when the ufrag is taken or the mux is full, and after close().
   */
  register(ufrag: string, password: string): MuxEndpoint {
    if (this.#closing) throw new Error('the WebRTC UDP port is closed');
    const endpoint = new MuxEndpoint(this.#socket, this.#router, (err) => {
      if (err) this.#sendErrors++;
    });
    endpoint.attach(this.#router.register(ufrag, password, (data, address, port) => endpoint.onDatagram(data, address, port)));
    return endpoint;
  }

  /** Closes the socket (idempotent), logging its counters; registered peers stop hearing anything. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#log.info({ port: this.port, ...this.stats }, 'WebRTC UDP port closed');
      this.#closing = new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    }
    return this.#closing;
  }
}

/** One peer's view of the shared socket. */
export class MuxEndpoint {
  /** Receives the datagrams routed to this peer; set by its owner. */
  onDatagram: Deliver = () => undefined;
  readonly #socket: dgram.Socket;
  readonly #router: MuxRouter;
  readonly #onSent: (err: Error | null) => void;
  #route: PeerRoute | undefined;

  constructor(socket: dgram.Socket, router: MuxRouter, onSent: (err: Error | null) => void) {
    this.#socket = socket;
    this.#router = router;
    this.#onSent = onSent;
  }

  /** @internal Set once by UdpMux.register. */
  attach(route: PeerRoute): void {
    this.#route = route;
  }

  get closed(): boolean {
    return this.#route?.closed ?? true;
  }

  /** Remote addresses this peer owns now. */
  get addressCount(): number {
    return this.#route?.addresses.size ?? 0;
  }

  /** Sends to `address`:`port`; nothing after close(). A failed send is counted, never thrown. */
  send(data: Buffer, address: string, port: number): void {
    const route = this.#route;
    if (route === undefined || route.closed) return;
    this.#router.noteSent(route, data, address, port);
    try {
      this.#socket.send(data, port, address, this.#onSent);
    } catch (err) {
      // The socket is closed (gateway shutdown) or the address is not one it can reach.
      this.#onSent(err as Error);
    }
  }

  /** Unregisters the peer and every address it owns (idempotent). */
  close(): void {
    if (this.#route) this.#router.unregister(this.#route);
    this.onDatagram = () => undefined;
  }
}
