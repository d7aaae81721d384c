import net from 'node:net';

/** A client address range in a rule that cannot be read. */
export class CidrError extends Error {
  override readonly name = 'CidrError';
  readonly code = 'INVALID_CIDR';
}

/** One address range: its base address, prefix length in bits and family. */
export interface IpRange {
  readonly address: string;
  /** Leading bits that must match: 0..32 for IPv4, 0..128 for IPv6. */
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (one host). Throws CidrError. */
export function parseCidr(text: string): IpRange {
  const [address = '', prefixText, ...extra] = text.trim().split('/');
  const version = net.isIP(address);
  if (version === 0 || extra.length > 0) throw new CidrError(`${JSON.stringify(text)} is not an IP address or CIDR range`);
  const maxPrefix = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= maxPrefix)) throw new CidrError(`prefix of ${JSON.stringify(text)} must be 0..${maxPrefix}`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A set of address ranges that answers whether a client address lies in one of them. IPv4 clients
 * seen through a dual-stack socket (`::ffff:a.b.c.d`) match IPv4 ranges. Throws CidrError on a bad range.
 */
export class IpRangeSet {
  readonly #list = new net.BlockList();
  /** Ranges in the set (0: empty). */
  readonly size: number;

  constructor(ranges: readonly string[]) {
    for (const range of ranges.map(parseCidr)) this.#list.addSubnet(range.address, range.prefix, range.family);
    this.size = ranges.length;
  }

  /** True when `ip` (as a socket reports it) is inside one of the ranges; false for anything that is not an IP address. */
  contains(ip: string): boolean {
    const version = net.isIP(ip);
    return version !== 0 && this.#list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  }
}
