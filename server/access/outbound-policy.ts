import dns from 'node:dns';
import net from 'node:net';
import { GatewayError } from '../errors';
import { IpRangeSet } from '../rtmp-servers/cidr';

/** Hosts and ranges that push targets and webhooks may (allow) or may not (deny) reach. */
export interface OutboundRules {
  /** When not empty, only these may be reached. */
  readonly allow: readonly string[];
  /** Never reached, whatever `allow` says. */
  readonly deny: readonly string[];
}

/** Refuses hosts the gateway may not reach: what a component needs of the OutboundPolicy. */
export interface HostCheck {
  /** Throws GatewayError FORBIDDEN_TARGET when `host` may not be reached. */
  check(host: string): Promise<void>;
}

/** Host names and ranges split for matching. */
interface Matcher {
  readonly ranges: IpRangeSet;
  readonly hosts: readonly string[];
}

/**
 * Where the gateway may connect on a caller's behalf (push targets, webhooks): a deny list (by
 * default link-local and cloud metadata addresses, so a push URL cannot read instance
 * credentials) and an optional allow list, matched against the host name as written and against
 * every address it resolves to. `checkedLookup` enforces the same at connect time, so a DNS answer
 * that changes after the check (rebinding) gains nothing.
 */
export class OutboundPolicy implements HostCheck {
  readonly #allow: Matcher | undefined;
  readonly #deny: Matcher;

  constructor(rules: OutboundRules) {
    this.#allow = rules.allow.length > 0 ? matcher(rules.allow) : undefined;
    this.#deny = matcher(rules.deny);
  }

  /** Throws GatewayError FORBIDDEN_TARGET unless `host` and every address it resolves to may be reached. */
  async check(host: string): Promise<void> {
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    const reason = this.#refusal(name, net.isIP(name) !== 0 ? [name] : await resolve(name));
    if (reason) throw new GatewayError('FORBIDDEN_TARGET', reason);
  }

  /** A `lookup` for net.connect/tls.connect that refuses addresses the policy does not allow. */
  readonly checkedLookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const reason = this.#refusal(hostname.toLowerCase(), list.map((a) => a.address));
      if (reason) return callback(Object.assign(new Error(reason), { code: 'FORBIDDEN_TARGET' }), '', 0);
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };

  #refusal(host: string, addresses: readonly string[]): string | undefined {
    const what = addresses.length > 0 && addresses[0] !== host ? `${host} (${addresses.join(', ')})` : host;
    if (matches(this.#deny, host, addresses, 'any')) return `Target ${what} is not allowed (setting outbound_deny)`;
    if (this.#allow && !matches(this.#allow, host, addresses, 'all')) return `Target ${what} is not allowed (setting outbound_allow lists what is)`;
    return undefined;
  }
}

function matcher(entries: readonly string[]): Matcher {
  const isRange = (entry: string): boolean => net.isIP(entry.split('/')[0] ?? '') !== 0;
  return { ranges: new IpRangeSet(entries.filter(isRange)), hosts: entries.filter((e) => !isRange(e)) };
}

/** `deny` matches when the name or ANY address matches; `allow` when the name does or ALL addresses do. */
function matches(m: Matcher, host: string, addresses: readonly string[], mode: 'any' | 'all'): boolean {
  if (m.hosts.some((pattern) => hostMatches(pattern, host))) return true;
  if (addresses.length === 0) return false;
  return mode === 'any' ? addresses.some((a) => m.ranges.contains(a)) : addresses.every((a) => m.ranges.contains(a));
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) || host === pattern.slice(2) : host === pattern;
}

/** Every address of `host`; none when it does not resolve (the connection will fail on its own). */
async function resolve(host: string): Promise<string[]> {
  try {
    return (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}
