import net from 'node:net';
import path from 'node:path';

/** Outcome of reading one setting's text: the typed value, or what is wrong with it ("must be ..."). */
export type ParsedValue<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** How the text of one setting is checked and converted to its typed value. */
export interface SettingType<T> {
  /** Converts the value text (already trimmed, possibly empty). */
  readonly parse: (text: string) => ParsedValue<T>;
}

/** The TypeScript type of the values a SettingType produces. */
export type ValueOf<S> = S extends SettingType<infer T> ? T : never;

const accept = <T>(value: T): ParsedValue<T> => ({ ok: true, value });
const reject = (problem: string): ParsedValue<never> => ({ ok: false, problem });

/** Whole decimal number from `min` to `max` inclusive; fractions, exponents, hex and `+` are refused. */
export function integer(min: number, max: number): SettingType<number> {
  return {
    parse: (text) => {
      const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
      return value >= min && value <= max ? accept(value) : reject(`must be an integer from ${min} to ${max}`);
    },
  };
}

/** The word `auto`, or one of a few whole numbers. */
export function autoOrOneOf<const V extends readonly number[]>(...values: V): SettingType<'auto' | V[number]> {
  return {
    parse: (text) => {
      if (text === 'auto') return accept('auto');
      const value = values.find((v) => String(v) === text);
      return value === undefined ? reject(`must be auto or one of ${values.join(', ')}`) : accept(value);
    },
  };
}

/** The word `auto`, or a whole number from `min` to `max` inclusive. */
export function autoOrInteger(min: number, max: number): SettingType<'auto' | number> {
  const number = integer(min, max);
  return {
    parse: (text) => {
      if (text === 'auto') return accept('auto');
      const parsed = number.parse(text);
      return parsed.ok ? parsed : reject(`must be auto or an integer from ${min} to ${max}`);
    },
  };
}

/** TCP or UDP port number, 1..65535. */
export const port: SettingType<number> = integer(1, 65535);

/** Exactly `true` or `false`, as WCS writes them. */
export const flag: SettingType<boolean> = {
  parse: (text) => (text === 'true' ? accept(true) : text === 'false' ? accept(false) : reject('must be true or false')),
};

/** Any text, taken as written; empty allowed. */
export const freeText: SettingType<string> = { parse: accept };

/** One of a fixed set of words (case-sensitive). */
export function oneOf<const V extends readonly string[]>(...values: V): SettingType<V[number]> {
  return {
    parse: (value) => (values.includes(value) ? accept(value) : reject(`must be one of ${values.join(', ')}`)),
  };
}

/** An IPv4 or IPv6 address (no host names). */
export const ipAddress: SettingType<string> = {
  parse: (value) => (net.isIP(value) !== 0 ? accept(value) : reject('must be an IPv4 or IPv6 address')),
};

/** Comma-separated items, each checked by `item`; blanks around commas and empty items are dropped, so empty text is an empty list. */
export function listOf<T>(item: SettingType<T>): SettingType<readonly T[]> {
  return {
    parse: (value) => {
      const items: T[] = [];
      for (const itemText of value.split(',').map((s) => s.trim())) {
        if (itemText === '') continue;
        const parsed = item.parse(itemText);
        if (!parsed.ok) return reject(`item '${itemText}' ${parsed.problem}`);
        items.push(parsed.value);
      }
      return accept(Object.freeze(items));
    },
  };
}

/** A URL with one of `schemes` (e.g. `['rtmp', 'rtmps']`) and a host, kept as written; empty means not set (undefined). */
export function optionalUrl(...schemes: readonly string[]): SettingType<string | undefined> {
  const protocols = schemes.map((scheme) => `${scheme}:`);
  const problem = `must be empty or a URL starting with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}`;
  return {
    parse: (value) => {
      if (value === '') return accept(undefined);
      const url = URL.parse(value);
      return url !== null && protocols.includes(url.protocol) && url.hostname !== '' ? accept(value) : reject(problem);
    },
  };
}

/** A file or directory that must be given; a relative path is resolved against the process working directory. */
export const requiredPath: SettingType<string> = {
  parse: (value) => (value === '' ? reject('must not be empty') : accept(path.resolve(value))),
};

/** A file that may be left empty (undefined); a relative path is resolved against the process working directory. */
export const optionalPath: SettingType<string | undefined> = {
  parse: (value) => accept(value === '' ? undefined : path.resolve(value)),
};

/** A browser origin (`https://app.example.com`, scheme, host and optional port), or `*` for any. */
export const origin: SettingType<string> = {
  parse: (value) => {
    if (value === '*') return accept(value);
    const url = URL.parse(value);
    return url !== null && /^https?:$/.test(url.protocol) && url.origin === value.replace(/\/$/, '') ? accept(url.origin) : reject('must be an origin like https://app.example.com, or *');
  },
};

/** An IP address, a CIDR range (`10.0.0.0/8`), a host name, or a domain and its subdomains (`*.example.com`). */
export const hostOrRange: SettingType<string> = {
  parse: (value) => {
    const [address = '', prefix] = value.split('/');
    if (net.isIP(address) !== 0 && (prefix === undefined || /^\d{1,3}$/.test(prefix))) return accept(value);
    return /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$/i.test(value) ? accept(value.toLowerCase()) : reject('must be an IP address, a CIDR range, a host name or *.domain');
  },
};

/** A UDP port that may be left empty (undefined) or 0 (any free port). */
export const optionalPortOrAny: SettingType<number | undefined> = {
  parse: (value) => {
    if (value === '') return accept(undefined);
    const parsed = integer(0, 65535).parse(value);
    return parsed.ok ? parsed : reject('must be empty or an integer from 0 to 65535');
  },
};

/** One `ip` entry: an address or host name, and the port a 1:1 NAT maps to the gateway's when given. */
export interface AnnouncedEntry {
  readonly host: string;
  readonly port?: number;
}

// Labels of letters, digits and inner hyphens; the last one not all digits (RFC 3696 §2), so 1.2.3 is no name.
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*(?![0-9]+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** `address`, `host.name`, `address:port`, `host.name:port`, an IPv6 address, or `[IPv6]:port`. */
export const announcedEntry: SettingType<AnnouncedEntry> = {
  parse: (value) => {
    const problem = 'must be an IP address or host name, optionally with :port (IPv6 as [address]:port)';
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
    let host: string;
    let portText: string | undefined;
    if (bracketed) {
      [, host = '', portText] = bracketed;
      if (!net.isIPv6(host)) return reject(problem);
    } else if (net.isIPv6(value)) {
      host = value;
    } else {
      const colon = value.lastIndexOf(':');
      [host, portText] = colon === -1 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
      if (!net.isIPv4(host) && !HOST_NAME.test(host)) return reject(problem);
    }
    if (portText === undefined) return accept({ host });
    const port = port1To65535(portText);
    return port === undefined ? reject(problem) : accept({ host, port });
  },
};

function port1To65535(text: string): number | undefined {
  const parsed = port.parse(text);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * A STUN or TURN server URL as browsers take it (RFC 7064, 7065): `stun:host[:port]`,
 * `stuns:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `turns:...`; IPv6 in brackets.
 */
export const iceServerUrl: SettingType<string> = {
  parse: (value) => {
    const match = /^(stuns?|turns?):(\[[0-9a-f:.]+\]|[^:?[\]/@]+)(?::(\d{1,5}))?(\?transport=(udp|tcp))?$/i.exec(value);
    const [, scheme = '', host = '', portText, query] = match ?? [];
    const hostOk = host.startsWith('[') ? net.isIPv6(host.slice(1, -1)) : net.isIPv4(host) || HOST_NAME.test(host);
    const portOk = portText === undefined || port1To65535(portText) !== undefined;
    const queryOk = query === undefined || scheme.toLowerCase().startsWith('turn');
    return match && hostOk && portOk && queryOk ? accept(value) : reject('must be a stun:, stuns:, turn: or turns: URL like turn:turn.example.com:3478?transport=udp');
  },
};
