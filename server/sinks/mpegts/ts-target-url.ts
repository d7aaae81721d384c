import net from 'node:net';
import { GatewayError } from '../../errors';

/** A udp:// or srt:// URL split into its parts, before each scheme checks its options. */
export interface TsUrlParts {
  /** Host name or IP address, IPv6 without brackets; '' when the URL has none (SRT listener). */
  readonly host: string;
  /** The host as written (IPv6 in brackets). */
  readonly hostInUrl: string;
  readonly port: number;
  /** Query options in the order written: the name, the value percent-decoded, and the value as written. */
  readonly options: ReadonlyArray<{ readonly name: string; readonly value: string; readonly raw: string }>;
}

/** What a scheme allows of the URL's shape. */
export interface TsUrlRules {
  /** Allows `scheme://:port` (SRT listener on every address). Default false. */
  readonly allowEmptyHost?: boolean;
  /** Lowest port accepted, with the reason shown when lower. Default 1. */
  readonly minPort?: { readonly port: number; readonly reason: string };
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** GatewayError INVALID_URL with the reason, as the push APIs report it. */
export function invalidUrl(reason: string): GatewayError {
  return new GatewayError('INVALID_URL', `Invalid url: ${reason}`);
}

/**
 * Splits `scheme://host:port[/][?name=value&...]`: the port is required, user info and paths are
 * refused, and everything after the first '?' is the query (a '#' in a value is kept: SRT stream
 * ids start with "#!::"). Values are percent-decoded. Throws GatewayError INVALID_URL; messages
 * never quote query values (they may be secrets).
 */
export function parseTsUrl(url: string, scheme: 'udp' | 'srt', rules: TsUrlRules = {}): TsUrlParts {
  if (/[\s\u0000-\u001f\u007f]/.test(url)) throw invalidUrl(`${scheme}:// URLs must not contain spaces or control characters`);
  const prefix = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (prefix?.[1]?.toLowerCase() !== scheme) throw invalidUrl(`expected a ${scheme}:// URL`);
  const afterScheme = url.slice(prefix[0].length);
  const queryStart = afterScheme.indexOf('?');
  let authority = queryStart === -1 ? afterScheme : afterScheme.slice(0, queryStart);
  const query = queryStart === -1 ? '' : afterScheme.slice(queryStart + 1);
  if (authority.endsWith('/')) authority = authority.slice(0, -1);
  if (authority.includes('/')) throw invalidUrl(`${scheme}:// URLs have no path: expected ${scheme}://host:port`);
  if (authority.includes('@')) throw invalidUrl(`${scheme}:// URLs take no user name or password`);
  if (authority.includes('#')) throw invalidUrl(`unexpected '#' before the query in the ${scheme}:// URL`);

  const bracketed = /^\[([^\]]*)\](.*)$/.exec(authority);
  const colon = authority.lastIndexOf(':');
  const hostInUrl = bracketed ? `[${bracketed[1]}]` : colon === -1 ? authority : authority.slice(0, colon);
  const host = bracketed ? bracketed[1]! : hostInUrl;
  const afterHost = authority.slice(hostInUrl.length);
  if (bracketed) {
    if (!net.isIPv6(host)) throw invalidUrl(`${JSON.stringify(hostInUrl)} is not an IPv6 address`);
  } else if (host === '') {
    if (rules.allowEmptyHost !== true) throw invalidUrl(`no host in the ${scheme}:// URL`);
  } else if (host.includes(':')) {
    throw invalidUrl(`invalid host ${JSON.stringify(host)}: write an IPv6 address in brackets, [::1]`);
  } else if (/^[\d.]+$/.test(host) ? !net.isIPv4(host) : !HOST_NAME.test(host)) {
    throw invalidUrl(`invalid host ${JSON.stringify(host)}`);
  }
  if (!afterHost.startsWith(':') || afterHost === ':') throw invalidUrl(`no port in the ${scheme}:// URL: expected ${scheme}://host:port`);
  const portText = afterHost.slice(1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw invalidUrl(`invalid port ${JSON.stringify(portText)}: expected 1 to 65535`);
  if (rules.minPort && port < rules.minPort.port) throw invalidUrl(`port ${port}: ${rules.minPort.reason}`);

  const options: Array<{ name: string; value: string; raw: string }> = [];
  for (const item of query.split('&')) {
    if (item === '') continue;
    const equals = item.indexOf('=');
    const name = equals === -1 ? item : item.slice(0, equals);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalidUrl(`malformed query option ${JSON.stringify(name.slice(0, 40))}`);
    if (equals === -1) throw invalidUrl(`option '${name}' has no value: expected ${name}=value`);
    if (options.some((o) => o.name === name)) throw invalidUrl(`option '${name}' given twice`);
    const raw = item.slice(equals + 1);
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw invalidUrl(`malformed percent-encoding in option '${name}'`);
    }
    options.push({ name, value, raw });
  }
  return { host, hostInUrl, port, options };
}

/** Refuses options other than `known`, naming the ones accepted. */
export function checkOptionNames(parts: TsUrlParts, scheme: 'udp' | 'srt', known: readonly string[]): void {
  for (const { name } of parts.options) {
    if (!known.includes(name)) {
      const list = known.length > 1 ? `${known.slice(0, -1).join(', ')} and ${known.at(-1)}` : known.join('');
      throw invalidUrl(`unknown option '${name}': ${scheme}:// URLs accept ${list}`);
    }
  }
}

/** The value of option `name`, percent-decoded, or undefined. */
export function optionValue(parts: TsUrlParts, name: string): string | undefined {
  return parts.options.find((o) => o.name === name)?.value;
}

/** An integer option within [min, max], or undefined when absent; throws INVALID_URL with `what` otherwise. */
export function integerOption(parts: TsUrlParts, name: string, min: number, max: number, what: string): number | undefined {
  const text = optionValue(parts, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw invalidUrl(`${name} must be ${what}, got ${JSON.stringify(text.slice(0, 20))}`);
  return value;
}

/** True for IPv4 224.0.0.0/4 and IPv6 ff00::/8 addresses. */
export function isMulticastAddress(address: string): boolean {
  if (net.isIPv4(address)) {
    const first = Number(address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return net.isIPv6(address) && /^ff/i.test(address);
}
