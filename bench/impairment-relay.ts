import dgram from 'node:dgram';
import net from 'node:net';
import { ImpairedLink, type LinkCounters, type LinkImpairment, mixSeed, QueueBudget } from './impaired-link';

export type { LinkCounters, LinkImpairment } from './impaired-link';

/**
 * Receive buffer of every socket, bytes (the kernel caps it at net.core.rmem_max): the default
 * 208 KiB overflows when the event loop is busy for a moment, a loss the counters would not see.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** The impairment of both directions of every client's path. */
export interface RelayProfile {
  /** Client → target (a publisher's media). */
  readonly toTarget: LinkImpairment;
  /** Target → client (the server's answers: STUN, RTCP feedback). */
  readonly toClient: LinkImpairment;
}

/** Both directions alike, as a symmetric network path. */
function symmetric(link: LinkImpairment): RelayProfile {
  return { toTarget: link, toClient: link };
}

/** The profiles of issue 11 ("Real networks"); the RTT is twice the one-way delay. */
export const RELAY_PROFILES = {
  clean: symmetric({ delayMs: 0, jitterMs: 0, lossRate: 0 }),
  /** 100 ms RTT, ± 20 ms of jitter each way, 2 % random loss each way. */
  rtt100Jitter20Loss2: symmetric({ delayMs: 50, jitterMs: 20, lossRate: 0.02 }),
  /** 250 ms RTT, 1 % random loss each way. */
  rtt250Loss1: symmetric({ delayMs: 125, jitterMs: 0, lossRate: 0.01 }),
} as const satisfies Record<string, RelayProfile>;

/** Name of a profile of RELAY_PROFILES. */
export type RelayProfileName = keyof typeof RELAY_PROFILES;

/** A loss burst started at run time with `burst()`. */
export interface LossBurstOptions {
  /** Loss rate during the burst, replacing the profile's, 0..1. */
  readonly lossRate: number;
  readonly durationMs: number;
  /** Directions it hits; default both. */
  readonly directions?: 'both' | 'toTarget' | 'toClient';
}

/** Issue 11's burst: 1 s of 30 % loss, both directions. */
export const BURST_30_PERCENT_1S: LossBurstOptions = { lossRate: 0.3, durationMs: 1000 };

/** A burst under way: when it started and ends, on the wall clock (ms since the epoch), for mapping to stream time. */
export interface LossBurst {
  readonly startedAtMs: number;
  readonly endsAtMs: number;
  /** Resolves when the burst is over (or replaced by another, or the relay closed). */
  readonly ended: Promise<void>;
}

/** Options of `ImpairmentRelay.start()`. */
export interface ImpairmentRelayOptions {
  /** Address clients send to: the NAT's public side (an IP literal). */
  readonly listenAddress: string;
  /** Port clients send to; default 0, a free port. */
  readonly listenPort?: number;
  /** Where packets go (an IP literal): a single UDP port, e.g. the gateway's. */
  readonly targetAddress: string;
  readonly targetPort: number;
  /** Address each client's upstream socket binds to; default all (the kernel picks by route). */
  readonly upstreamAddress?: string;
  /** Default RELAY_PROFILES.clean. */
  readonly profile?: RelayProfile;
  /** Seeds every random draw: the same seed and the same packets give the same losses and delays. Default 1. */
  readonly seed?: number;
  /** Distinct client addresses; packets from more are dropped (counted in toTarget.droppedByBound). Default 64. */
  readonly maxClients?: number;
  /** Packets waiting in all queues; beyond, packets are dropped and counted. Default 4096. */
  readonly maxQueuedPackets?: number;
  /** Bytes waiting in all queues. Default 16 MiB. */
  readonly maxQueuedBytes?: number;
}

/** What the relay has done so far. */
export interface RelayStats {
  /** Client addresses seen (each with its own upstream socket). */
  readonly clients: number;
  readonly toTarget: Readonly<LinkCounters>;
  readonly toClient: Readonly<LinkCounters>;
  /** Packets that reached an upstream socket from somewhere other than the target, dropped. */
  readonly strayPackets: number;
  /** Packets waiting in the queues now. */
  readonly queuedPackets: number;
  /** Errors the sockets reported outside a send. */
  readonly socketErrors: number;
}

/** One client address's mapping: its upstream socket and the two directions of its path. */
interface Client {
  readonly upstream: dgram.Socket;
  readonly toTarget: ImpairedLink;
  readonly toClient: ImpairedLink;
}

interface ActiveBurst {
  readonly until: number;
  readonly options: LossBurstOptions;
  readonly timer: NodeJS.Timeout;
  readonly end: () => void;
}

/**
 * A userspace UDP relay standing for a lossy network behind a 1:1 NAT (the kernel here has no
 * netem): it listens on one address and port, and forwards each client's packets to the target
 * from an upstream socket of that client's own, so the target sees one distinct address per client
 * and its replies go back to that client. Each direction is delayed, jittered (order kept) and
 * lossy per the profile; a loss burst or another profile can be set at run time. Everything it
 * holds is bounded; what it drops is counted.
 */
export class ImpairmentRelay {
  readonly #options: ImpairmentRelayOptions;
  readonly #listener: dgram.Socket;
  readonly #clients = new Map<string, Client>();
  readonly #budget: QueueBudget;
  readonly #toTarget: LinkCounters = newCounters();
  readonly #toClient: LinkCounters = newCounters();
  #profile: RelayProfile;
  #burst: ActiveBurst | undefined;
  #strayPackets = 0;
  #socketErrors = 0;
  #closing: Promise<void> | undefined;

  private constructor(options: ImpairmentRelayOptions, listener: dgram.Socket) {
    this.#options = options;
    this.#listener = listener;
    this.#profile = options.profile ?? RELAY_PROFILES.clean;
    this.#budget = new QueueBudget(options.maxQueuedPackets ?? 4096, options.maxQueuedBytes ?? 16 * 1024 * 1024);
  }

  /** Binds the listening socket; rejects if it cannot (address not local, port taken). */
  static async start(options: ImpairmentRelayOptions): Promise<ImpairmentRelay> {
    for (const [name, value] of [['listenAddress', options.listenAddress], ['targetAddress', options.targetAddress]] as const) {
      if (net.isIP(value) === 0) throw new TypeError(`${name} must be an IP address, not ${JSON.stringify(value)}`);
    }
    if (options.profile !== undefined) checkProfile(options.profile);
    const listener = dgram.createSocket({ type: socketType(options.listenAddress), recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.bind({ address: options.listenAddress, port: options.listenPort ?? 0 }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    const relay = new ImpairmentRelay(options, listener);
    listener.on('error', () => relay.#socketErrors++);
    listener.on('message', (packet, from) => relay.#fromClient(packet, from));
    return relay;
  }

  /** Where clients send: the address and port to announce (`ip=host:port`). */
  get address(): { address: string; port: number } {
    const { address, port } = this.#listener.address();
    return { address, port };
  }

  get profile(): RelayProfile {
    return this.#profile;
  }

  /** Changes the impairment of packets entering from now on (those already queued keep their time). */
  setProfile(profile: RelayProfile): void {
    this.#assertOpen();
    checkProfile(profile);
    this.#profile = profile;
  }

  /** Starts a loss burst now, replacing one under way; the profile's delays stay. */
  burst(options: LossBurstOptions): LossBurst {
    this.#assertOpen();
    if (!(options.lossRate >= 0 && options.lossRate <= 1)) throw new RangeError(`burst lossRate ${options.lossRate} is not within 0..1`);
    if (!(options.durationMs > 0)) throw new RangeError(`burst durationMs ${options.durationMs} is not positive`);
    this.#endBurst();
    const startedAtMs = Date.now();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const timer = setTimeout(() => this.#endBurst(), options.durationMs);
    this.#burst = { until: performance.now() + options.durationMs, options, timer, end };
    return { startedAtMs, endsAtMs: startedAtMs + options.durationMs, ended };
  }

  /** A snapshot of the counters. */
  stats(): RelayStats {
    return {
      clients: this.#clients.size,
      toTarget: { ...this.#toTarget },
      toClient: { ...this.#toClient },
      strayPackets: this.#strayPackets,
      queuedPackets: this.#budget.packets,
      socketErrors: this.#socketErrors,
    };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Drops what is queued and closes every socket; resolves once they are closed (idempotent). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#endBurst();
      const sockets = [this.#listener];
      for (const client of this.#clients.values()) {
        client.toTarget.close();
        client.toClient.close();
        sockets.push(client.upstream);
      }
      await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    })();
    return this.#closing;
  }

  #fromClient(packet: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed) return;
    const client = this.#clients.get(`${from.address}|${from.port}`) ?? this.#addClient(from);
    if (client === undefined) this.#toTarget.droppedByBound++;
    else client.toTarget.push(packet);
  }

  #addClient(from: dgram.RemoteInfo): Client | undefined {
    if (this.#clients.size >= (this.#options.maxClients ?? 64)) return undefined;
    const { targetAddress, targetPort } = this.#options;
    const upstream = dgram.createSocket({ type: socketType(targetAddress), recvBufferSize: RECEIVE_BUFFER_BYTES });
    upstream.on('error', () => this.#socketErrors++);
    // Sends made before the bind completes wait in the socket's own queue (Node's dgram does this).
    upstream.bind({ port: 0, ...(this.#options.upstreamAddress === undefined ? {} : { address: this.#options.upstreamAddress }) });
    const seed = mixSeed(this.#options.seed ?? 1, this.#clients.size);
    const client: Client = {
      upstream,
      toTarget: this.#link(mixSeed(seed, 1), this.#toTarget, 'toTarget', (packet) => upstream.send(packet, targetPort, targetAddress, this.#sent(this.#toTarget))),
      toClient: this.#link(mixSeed(seed, 2), this.#toClient, 'toClient', (packet) => this.#listener.send(packet, from.port, from.address, this.#sent(this.#toClient))),
    };
    upstream.on('message', (packet, source) => {
      if (source.port === targetPort && source.address === targetAddress) client.toClient.push(packet);
      else this.#strayPackets++;
    });
    this.#clients.set(`${from.address}|${from.port}`, client);
    return client;
  }

  #link(seed: number, counters: LinkCounters, direction: 'toTarget' | 'toClient', deliver: (packet: Buffer) => void): ImpairedLink {
    return new ImpairedLink({ seed, budget: this.#budget, counters, deliver, impairmentAt: (now) => this.#impairmentAt(direction, now) });
  }

  #impairmentAt(direction: 'toTarget' | 'toClient', now: number): LinkImpairment {
    const link = this.#profile[direction];
    const burst = this.#burst;
    if (burst === undefined || now >= burst.until) return link;
    const directions = burst.options.directions ?? 'both';
    return directions === 'both' || directions === direction ? { ...link, lossRate: burst.options.lossRate } : link;
  }

  #sent(counters: LinkCounters): (error: Error | null) => void {
    return (error) => {
      if (error === null) counters.forwarded++;
      else counters.sendFailed++;
    };
  }

  #endBurst(): void {
    const burst = this.#burst;
    if (burst === undefined) return;
    this.#burst = undefined;
    clearTimeout(burst.timer);
    burst.end();
  }

  #assertOpen(): void {
    if (this.closed) throw new Error('the impairment relay is closed');
  }
}

function newCounters(): LinkCounters {
  return { forwarded: 0, droppedByLoss: 0, droppedByBound: 0, sendFailed: 0 };
}

function socketType(address: string): 'udp4' | 'udp6' {
  return net.isIPv6(address) ? 'udp6' : 'udp4';
}

function checkProfile(profile: RelayProfile): void {
  for (const direction of ['toTarget', 'toClient'] as const) {
    const { delayMs, jitterMs, lossRate } = profile[direction];
    if (!(delayMs >= 0) || !(jitterMs >= 0)) throw new RangeError(`${direction}: delayMs and jitterMs must be ≥ 0`);
    if (!(lossRate >= 0 && lossRate <= 1)) throw new RangeError(`${direction}: lossRate ${lossRate} is not within 0..1`);
  }
}
