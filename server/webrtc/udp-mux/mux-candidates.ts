import net from 'node:net';
import os from 'node:os';
import type { HostCandidate } from './attach-peer';

/** An `ip` entry once resolved: an address of the socket's family, and the port a 1:1 NAT maps to the socket's, if any. */
export interface AnnouncedAddress {
  readonly host: string;
  readonly port?: number;
}

/** What decides the candidates of every answer. */
export interface CandidateInputs {
  /** The socket's bound address (0.0.0.0 or :: for all interfaces) and port. */
  readonly boundAddress: string;
  readonly boundPort: number;
  /** The `ip` setting, resolved. */
  readonly announced: readonly AnnouncedAddress[];
  /** The machine's interface addresses of the socket's family (machineAddresses()); used when bound to all interfaces. */
  readonly interfaceAddresses: readonly string[];
}

/**
 * The host candidates of an answer on the shared port, most preferred first:
 * - with a NAT mapping (an `ip` entry with a port), only the `ip` entries: the mapping says where
 *   clients reach the gateway, and the local addresses are not reachable from behind it;
 * - otherwise the `ip` entries, then the machine's interface addresses and loopback when bound to
 *   all interfaces, or the bound address alone when bound to one;
 * each on the bound port unless mapped, without duplicates.
 */
export function muxCandidates(inputs: CandidateInputs): HostCandidate[] {
  const { boundAddress, boundPort, announced } = inputs;
  const candidates: HostCandidate[] = announced.map((entry) => ({ host: entry.host, port: entry.port ?? boundPort }));
  if (!announced.some((entry) => entry.port !== undefined)) {
    const wildcard = boundAddress === '0.0.0.0' || boundAddress === '::';
    const local = wildcard ? [...inputs.interfaceAddresses, net.isIPv6(boundAddress) ? '::1' : '127.0.0.1'] : [boundAddress];
    candidates.push(...local.map((host) => ({ host, port: boundPort })));
  }
  const seen = new Set<string>();
  return candidates.filter((candidate) => {
    const key = `${candidate.host}|${candidate.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The machine's addresses of `family`, loopback and link-local left out (as werift gathers them). */
export function machineAddresses(family: 4 | 6): string[] {
  const addresses: string[] = [];
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.internal || info.family !== (family === 4 ? 'IPv4' : 'IPv6')) continue;
      if (info.address.startsWith('169.254.') || /^fe[89ab]/i.test(info.address)) continue;
      addresses.push(info.address);
    }
  }
  return addresses;
}
