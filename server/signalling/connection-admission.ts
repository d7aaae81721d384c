import net from 'node:net';

/** How many WebSockets may be open at once. */
export interface ConnectionBounds {
  /** All clients together. */
  maxConnections: number;
  /** From one IPv4 address or one IPv6 /64. */
  maxConnectionsPerIp: number;
}

/** A new WebSocket refused at upgrade: the limit reached and the HTTP answer for it. */
export interface ConnectionRefusal {
  readonly limit: 'ws_connections' | 'ws_connections_per_ip';
  /** 503 when the gateway is full, 429 when this client has too many. */
  readonly status: 503 | 429;
  readonly reason: string;
}

/** A connection's place in the counts, given back when it closes. */
export interface ConnectionSlot {
  /** Frees the slot (idempotent). */
  release(): void;
}

/**
 * Counts open WebSockets, in total and per client address, and refuses one beyond the bounds
 * before its upgrade: each costs a file descriptor, and about 1,000 idle ones starved REST, RTMP
 * ingest and webhooks of descriptors.
 */
export class ConnectionAdmission {
  readonly #bounds: ConnectionBounds;
  readonly #perAddress = new Map<string, number>();
  #total = 0;

  constructor(bounds: ConnectionBounds) {
    this.#bounds = bounds;
  }

  /** Takes a slot for a client at `ip`, or says why not. */
  admit(ip: string): ConnectionSlot | ConnectionRefusal {
    const key = addressKey(ip);
    const count = this.#perAddress.get(key) ?? 0;
    if (count >= this.#bounds.maxConnectionsPerIp) {
      return { limit: 'ws_connections_per_ip', status: 429, reason: `too many connections from this address (at most ${this.#bounds.maxConnectionsPerIp})` };
    }
    if (this.#total >= this.#bounds.maxConnections) {
      return { limit: 'ws_connections', status: 503, reason: `the server has too many connections (at most ${this.#bounds.maxConnections})` };
    }
    this.#perAddress.set(key, count + 1);
    this.#total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#perAddress.get(key) ?? 1) - 1;
        if (left > 0) this.#perAddress.set(key, left);
        else this.#perAddress.delete(key);
      },
    };
  }
}

/**
 * The address a client is counted under: IPv4 as is (also when a dual-stack socket shows it as
 * `::ffff:a.b.c.d`), IPv6 by its /64, the smallest block a client usually holds.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(ip)) return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/** The eight groups of an IPv6 address, `::` expanded, lower case, without leading zeros. */
function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}
