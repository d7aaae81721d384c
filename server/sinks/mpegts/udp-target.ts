import net from 'node:net';
import type { SinkTarget } from '../sink-kinds';
import { checkOptionNames, integerOption, invalidUrl, isMulticastAddress, optionValue, parseTsUrl } from './ts-target-url';
import { TS_DATAGRAM_BYTES, TS_PACKET_BYTES } from './ts-transport';

/** Multicast TTL when the URL sets none: FFmpeg's default for udp://, so URLs written for it behave the same. */
export const UDP_DEFAULT_MULTICAST_TTL = 16;

/** Largest UDP payload that fits a 1500-byte Ethernet MTU over IPv4 (1500 − 20 − 8). */
const MAX_UDP_PAYLOAD = 1472;

/** Options a udp:// URL may carry. */
const UDP_OPTIONS = ['ttl', 'localaddr', 'pkt_size'] as const;

/** A checked udp:// target. */
export interface UdpTarget extends SinkTarget {
  /** Destination host as written: a name or an IP address (IPv6 without brackets). */
  readonly host: string;
  /** Destination UDP port. */
  readonly port: number;
  /** Multicast TTL (1–255), applied when the destination resolves to a multicast address. Default 16. */
  readonly ttl: number;
  /** Local address to bind and send from (for multicast: the outgoing interface); undefined: the system's choice. */
  readonly localAddress: string | undefined;
  /** Datagram payload, bytes: whole TS packets, 188 to 1316. Default 1316. */
  readonly datagramBytes: number;
}

/**
 * Checks a `udp://host:port[?ttl=N&localaddr=IP&pkt_size=N]` target (FFmpeg's option names): port
 * 1–65535, host an IPv4 or bracketed IPv6 address or a host name, `ttl` 1–255 (multicast only),
 * `localaddr` an IP address of the destination's family, `pkt_size` a multiple of 188 up to 1472
 * (so 188 to 1316). Unknown options are refused. Throws GatewayError INVALID_URL with the reason.
 */
export function resolveUdpTarget(url: string): UdpTarget {
  const parts = parseTsUrl(url, 'udp');
  checkOptionNames(parts, 'udp', UDP_OPTIONS);
  const ttl = integerOption(parts, 'ttl', 1, 255, 'an integer from 1 to 255 (the multicast TTL)') ?? UDP_DEFAULT_MULTICAST_TTL;
  const packetText = optionValue(parts, 'pkt_size');
  const datagramBytes = integerOption(parts, 'pkt_size', 1, MAX_UDP_PAYLOAD, `a multiple of ${TS_PACKET_BYTES} up to ${MAX_UDP_PAYLOAD} (188 to 1316; default 1316)`) ?? TS_DATAGRAM_BYTES;
  if (datagramBytes % TS_PACKET_BYTES !== 0) {
    throw invalidUrl(`pkt_size must be a multiple of ${TS_PACKET_BYTES} up to ${MAX_UDP_PAYLOAD} (188 to 1316; default 1316), got ${JSON.stringify(packetText)}`);
  }
  const localAddress = optionValue(parts, 'localaddr');
  if (localAddress !== undefined) {
    const family = net.isIP(localAddress);
    if (family === 0) throw invalidUrl(`localaddr must be an IP address of this machine, got ${JSON.stringify(localAddress.slice(0, 64))}`);
    const destination = net.isIP(parts.host);
    if (destination !== 0 && destination !== family) throw invalidUrl(`localaddr ${localAddress} is IPv${family} but the destination ${parts.hostInUrl} is IPv${destination}`);
    if (isMulticastAddress(localAddress)) throw invalidUrl(`localaddr must be a local interface address, not the multicast group ${localAddress}`);
  }
  const label = `${parts.hostInUrl}:${parts.port}`;
  return {
    url,
    host: parts.host,
    port: parts.port,
    ttl,
    localAddress,
    datagramBytes,
    streamName: label,
    // No udp:// option is a secret: the URL is shown as written.
    safeUrl: url,
    safeStreamName: label,
  };
}
