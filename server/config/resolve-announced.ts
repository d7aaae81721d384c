import { promises as dns, type LookupAddress } from 'node:dns';
import net from 'node:net';
import { ConfigError } from './errors';
import type { AnnouncedEntry } from './setting-types';

/** An `ip` entry with its host name resolved: an IP address, and the NAT-mapped port if any. */
export interface ResolvedAddress {
  readonly host: string;
  readonly port?: number;
}

/** dns.lookup with `all: true`, injectable for tests. */
export type LookupAll = (hostname: string, options: { all: true; family: 0 | 4 | 6 }) => Promise<LookupAddress[]>;

/**
 * Resolves the `ip` setting once, at start-up: addresses stay, host names become every address
 * they resolve to in `family` (0: either). Throws ConfigError naming `ip` for a name that does
 * not resolve, or an address of the other family than the socket that would announce it.
 */
export async function resolveAnnounced(entries: readonly AnnouncedEntry[], family: 0 | 4 | 6, lookup: LookupAll = dns.lookup): Promise<ResolvedAddress[]> {
  const resolved: ResolvedAddress[] = [];
  for (const entry of entries) {
    const withPort = (host: string): ResolvedAddress => (entry.port === undefined ? { host } : { host, port: entry.port });
    const literal = net.isIP(entry.host);
    if (literal !== 0) {
      if (family !== 0 && literal !== family) throw new ConfigError('CONFIG_INVALID_VALUE', `ip: ${entry.host} is an IPv${literal} address, but webrtc_udp_address binds an IPv${family} socket`, { setting: 'ip' });
      resolved.push(withPort(entry.host));
      continue;
    }
    let addresses: LookupAddress[];
    try {
      addresses = await lookup(entry.host, { all: true, family });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ConfigError('CONFIG_INVALID_VALUE', `ip: host name '${entry.host}' does not resolve (${code})`, { cause: err, setting: 'ip' });
    }
    if (addresses.length === 0) throw new ConfigError('CONFIG_INVALID_VALUE', `ip: host name '${entry.host}' has no IPv${family === 0 ? '4 or IPv6' : family} address`, { setting: 'ip' });
    resolved.push(...addresses.map((address) => withPort(address.address)));
  }
  return resolved;
}
