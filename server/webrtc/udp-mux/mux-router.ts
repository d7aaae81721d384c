import { AddressTable } from './address-table';
import { datagramKind, readStun, receiverUfrag, STUN_BINDING, verifyIntegrity } from './stun-datagram';

/** Why a datagram was not handed to any peer. */
export type DropReason =
  /** Neither STUN, DTLS nor RTP/RTCP (RFC 7983), or STUN that does not parse. */
  | 'malformed'
  /** A Binding Request whose USERNAME names no registered peer. */
  | 'unknown-ufrag'
  /** A request without USERNAME or MESSAGE-INTEGRITY, not a Binding, or whose integrity does not match the named peer's password. */
  | 'unauthenticated'
  /** Anything else from an address no peer owns (or, for media, that no peer learned from an authenticated request). */
  | 'unknown-address';

export const DROP_REASONS: readonly DropReason[] = ['malformed', 'unknown-ufrag', 'unauthenticated', 'unknown-address'];

/** Bounds on what the routing table holds. */
export interface MuxLimits {
  /** Peers registered at once; one more is refused. */
  readonly maxPeers: number;
  /** Remote addresses one peer may own; past that its least recently confirmed one is forgotten (a weak one first). */
  readonly maxAddressesPerPeer: number;
}

/** Counters of one mux, since it started. */
export interface UdpMuxStats {
  peers: number;
  /** Remote addresses owned by peers now. */
  addresses: number;
  /** Datagrams handed to a peer. */
  routed: number;
  /** Datagrams dropped, by reason. */
  dropped: Record<DropReason, number>;
  /** Registrations refused at maxPeers. */
  refusedPeers: number;
  /** Addresses forgotten at maxAddressesPerPeer. */
  evictedAddresses: number;
  /** Datagrams a peer's handler threw on (the peer's problem; the mux goes on). */
  deliveryErrors: number;
}

/** Hands a datagram from `address`:`port` to a peer. */
export type Deliver = (data: Buffer, address: string, port: number) => void;

/** A remote address owned by one peer; `authenticated` once it sent that peer a request with a valid MESSAGE-INTEGRITY. */
interface AddressEntry {
  readonly address: string;
  readonly port: number;
  readonly route: PeerRoute;
  authenticated: boolean;
}

/** The registration of one peer: its local ufrag and password, and the remote addresses it owns. */
export class PeerRoute {
  /** Owned addresses by "address|port", least recently confirmed first. */
  readonly addresses = new Map<string, AddressEntry>();
  #closed = false;

  constructor(
    readonly ufrag: string,
    readonly password: Buffer,
    readonly deliver: Deliver,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  markClosed(): void {
    this.#closed = true;
  }
}

/** Thrown by register(): the ufrag is taken or the mux is full. */
export class MuxRegistrationError extends Error {
  override readonly name = 'MuxRegistrationError';
}

/**
 * The routing of one shared UDP port between ICE peers, without the socket (so it can be tested
 * with plain buffers). A Binding Request goes to the peer its USERNAME names, once its
 * MESSAGE-INTEGRITY checks with that peer's password; its source address then belongs to that
 * peer (authoritatively: it moves even from another peer). An address the peer sends a Binding
 * Request to is learned weakly, so the answer comes back; a weak address never displaces an
 * authenticated one and carries only STUN responses. DTLS, RTP and RTCP go by authenticated
 * address only. Everything else is dropped and counted; nothing an outsider sends creates state.
 */
export class MuxRouter {
  readonly #limits: MuxLimits;
  readonly #byUfrag = new Map<string, PeerRoute>();
  readonly #byAddress = new AddressTable<AddressEntry>();
  readonly #stats: Omit<UdpMuxStats, 'peers' | 'addresses'> = {
    routed: 0,
    dropped: { malformed: 0, 'unknown-ufrag': 0, unauthenticated: 0, 'unknown-address': 0 },
    refusedPeers: 0,
    evictedAddresses: 0,
    deliveryErrors: 0,
  };

  constructor(limits: MuxLimits) {
    this.#limits = limits;
  }

  get stats(): UdpMuxStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped }, peers: this.#byUfrag.size, addresses: this.#byAddress.size };
  }

  /** True when `ufrag` is registered. */
  has(ufrag: string): boolean {
    return this.#byUfrag.has(ufrag);
  }

  /** Registers a peer by its local ICE ufrag and password; throws MuxRegistrationError when the ufrag is taken or maxPeers are registered. */
  register(ufrag: string, password: string, deliver: Deliver): PeerRoute {
    if (this.#byUfrag.has(ufrag)) throw new MuxRegistrationError(`ICE ufrag ${ufrag} is already registered`);
    if (this.#byUfrag.size >= this.#limits.maxPeers) {
      this.#stats.refusedPeers++;
      throw new MuxRegistrationError(`the shared WebRTC UDP port already serves ${this.#limits.maxPeers} peers`);
    }
    const route = new PeerRoute(ufrag, Buffer.from(password, 'utf8'), deliver);
    this.#byUfrag.set(ufrag, route);
    return route;
  }

  /** Forgets the peer and every address it owns (idempotent). */
  unregister(route: PeerRoute): void {
    if (route.closed) return;
    route.markClosed();
    if (this.#byUfrag.get(route.ufrag) === route) this.#byUfrag.delete(route.ufrag);
    for (const entry of route.addresses.values()) this.#byAddress.delete(entry.address, entry.port);
    route.addresses.clear();
  }

  /** Routes one received datagram, or drops and counts it. */
  route(data: Buffer, address: string, port: number): void {
    const kind = datagramKind(data);
    if (kind === 'stun') return this.#routeStun(data, address, port);
    if (kind === 'other') return this.#drop('malformed');
    const entry = this.#byAddress.get(address, port);
    if (entry === undefined || !entry.authenticated) return this.#drop('unknown-address');
    this.#deliver(entry.route, data, address, port);
  }

  /** Called for every datagram `route`'s peer sends: a Binding Request teaches the mux where its answer will come from. */
  noteSent(route: PeerRoute, data: Buffer, address: string, port: number): void {
    if (route.closed || datagramKind(data) !== 'stun' || this.#byAddress.get(address, port)?.route === route) return;
    const stun = readStun(data);
    if (stun?.class === 'request') this.#learn(route, address, port, false);
  }

  #routeStun(data: Buffer, address: string, port: number): void {
    const stun = readStun(data);
    if (stun === undefined) return this.#drop('malformed');
    if (stun.class === 'request') {
      if (stun.method !== STUN_BINDING || stun.username === undefined || stun.integrityOffset === undefined) return this.#drop('unauthenticated');
      const route = this.#byUfrag.get(receiverUfrag(stun.username));
      if (route === undefined) return this.#drop('unknown-ufrag');
      if (!verifyIntegrity(data, stun.integrityOffset, route.password)) return this.#drop('unauthenticated');
      this.#learn(route, address, port, true);
      return this.#deliver(route, data, address, port);
    }
    const entry = this.#byAddress.get(address, port);
    // A weak address is one the peer asked: only the answers to its requests come back through it.
    const allowed = entry !== undefined && (entry.authenticated || stun.class === 'success' || stun.class === 'error');
    if (!allowed) return this.#drop('unknown-address');
    this.#deliver(entry.route, data, address, port);
  }

  #learn(route: PeerRoute, address: string, port: number, authenticated: boolean): void {
    const key = `${address}|${port}`;
    const existing = this.#byAddress.get(address, port);
    if (existing !== undefined) {
      if (existing.route === route) {
        if (!authenticated) return;
        existing.authenticated = true;
        // Most recently confirmed last: the address in use is confirmed by every consent check.
        route.addresses.delete(key);
        route.addresses.set(key, existing);
        return;
      }
      if (!authenticated && existing.authenticated) return;
      existing.route.addresses.delete(key);
    }
    const entry: AddressEntry = { address, port, route, authenticated };
    this.#byAddress.set(address, port, entry);
    route.addresses.set(key, entry);
    if (route.addresses.size > this.#limits.maxAddressesPerPeer) this.#evictOne(route);
  }

  /** Forgets the peer's least recently confirmed weak address, or else its least recently confirmed one. */
  #evictOne(route: PeerRoute): void {
    let victim: [string, AddressEntry] | undefined;
    for (const candidate of route.addresses) {
      if (!candidate[1].authenticated) {
        victim = candidate;
        break;
      }
      victim ??= candidate;
    }
    if (victim === undefined) return;
    route.addresses.delete(victim[0]);
    this.#byAddress.delete(victim[1].address, victim[1].port);
    this.#stats.evictedAddresses++;
  }

  #deliver(route: PeerRoute, data: Buffer, address: string, port: number): void {
    this.#stats.routed++;
    try {
      route.deliver(data, address, port);
    } catch {
      this.#stats.deliveryErrors++;
    }
  }

  #drop(reason: DropReason): void {
    this.#stats.dropped[reason]++;
  }
}
