import net from 'node:net';
import { redactKey } from '../rtmp-target';
import type { SinkTarget } from '../sink-kinds';
import { checkOptionNames, integerOption, invalidUrl, optionValue, parseTsUrl, type TsUrlParts } from './ts-target-url';

/** Lowest port srt-live-transmit, which carries SRT pushes, accepts. */
export const SRT_MIN_PORT = 1024;

/** Options an srt:// URL may carry. */
const SRT_OPTIONS = ['mode', 'streamid', 'passphrase', 'pbkeylen', 'latency'] as const;

/** Longest stream id SRT carries, bytes. */
const MAX_STREAM_ID_BYTES = 512;

/** Passphrase length SRT accepts, bytes. */
const PASSPHRASE_BYTES = { min: 10, max: 79 } as const;

/** Longest latency accepted, ms. */
const MAX_LATENCY_MS = 10_000;

/** A checked srt:// target. */
export interface SrtTarget extends SinkTarget {
  /** Caller: the receiver's host name or IP address (IPv6 without brackets). Listener: the local address to listen on, '' for all. */
  readonly host: string;
  /** The host as written in the URL (IPv6 in brackets). */
  readonly hostInUrl: string;
  /** UDP port: the receiver's (caller) or ours (listener), 1024–65535. */
  readonly port: number;
  /** Caller (default): we connect to a listening receiver. Listener: we wait for a receiver to connect to us. */
  readonly mode: 'caller' | 'listener';
  /** Stream id sent to the receiver (caller only): services pick the stream, and often check a key, with it. */
  readonly streamId: string | undefined;
  /** Encryption passphrase, 10–79 characters; undefined: unencrypted. */
  readonly passphrase: string | undefined;
  /** AES key length, bytes (16, 24 or 32); undefined: SRT's default (16, or the receiver's). Needs a passphrase. */
  readonly keyLength: 16 | 24 | 32 | undefined;
  /** SRT latency, ms (0–10000); undefined: SRT's default (120 ms). */
  readonly latencyMs: number | undefined;
}

/**
 * Checks an `srt://host:port[?mode=caller|listener&streamid=…&passphrase=…&pbkeylen=16|24|32&latency=ms]`
 * target. Caller mode by default; in listener mode the host is the local address to listen on (an
 * IP address, or empty: `srt://:9000?mode=listener`). The port must be 1024 or higher
 * (srt-live-transmit's rule). Values may be percent-encoded; a stream id or passphrase cannot
 * contain '&' (the tool's URL syntax cannot carry it). Unknown options are refused. Throws
 * GatewayError INVALID_URL with the reason; messages never quote the passphrase or stream id.
 */
export function resolveSrtTarget(url: string): SrtTarget {
  const parts = parseTsUrl(url, 'srt', { allowEmptyHost: true, minPort: { port: SRT_MIN_PORT, reason: `SRT pushes accept ports ${SRT_MIN_PORT} to 65535 (a limit of srt-live-transmit, which carries them)` } });
  checkOptionNames(parts, 'srt', SRT_OPTIONS);

  const modeText = optionValue(parts, 'mode') ?? 'caller';
  if (modeText !== 'caller' && modeText !== 'listener') throw invalidUrl(`mode must be caller or listener, got ${JSON.stringify(modeText.slice(0, 20))}`);
  const mode: SrtTarget['mode'] = modeText;
  if (mode === 'caller' && parts.host === '') throw invalidUrl('no host in the srt:// URL: a caller needs the receiver\'s host (or add mode=listener)');
  if (mode === 'listener' && parts.host !== '' && net.isIP(parts.host) === 0) {
    throw invalidUrl(`with mode=listener the host is the local address to listen on: an IP address or nothing (srt://:${parts.port}?mode=listener), got ${JSON.stringify(parts.host)}`);
  }

  const streamId = optionValue(parts, 'streamid');
  if (streamId !== undefined) {
    if (mode === 'listener') throw invalidUrl('streamid is sent by a caller: it has no effect with mode=listener');
    if (streamId === '') throw invalidUrl('streamid is empty');
    if (Buffer.byteLength(streamId) > MAX_STREAM_ID_BYTES) throw invalidUrl(`streamid is longer than SRT's ${MAX_STREAM_ID_BYTES} bytes`);
    checkToolSafe(streamId, 'streamid');
  }

  const passphrase = optionValue(parts, 'passphrase');
  if (passphrase !== undefined) {
    const length = Buffer.byteLength(passphrase);
    if (length < PASSPHRASE_BYTES.min || length > PASSPHRASE_BYTES.max) {
      throw invalidUrl(`passphrase must be ${PASSPHRASE_BYTES.min} to ${PASSPHRASE_BYTES.max} characters (SRT's rule), got ${length}`);
    }
    checkToolSafe(passphrase, 'passphrase');
  }

  const keyLengthText = optionValue(parts, 'pbkeylen');
  let keyLength: SrtTarget['keyLength'];
  if (keyLengthText !== undefined) {
    if (keyLengthText !== '16' && keyLengthText !== '24' && keyLengthText !== '32') throw invalidUrl(`pbkeylen must be 16, 24 or 32 (bytes: AES-128, -192 or -256), got ${JSON.stringify(keyLengthText.slice(0, 20))}`);
    if (passphrase === undefined) throw invalidUrl('pbkeylen needs a passphrase (it sets the length of the encryption key)');
    keyLength = Number(keyLengthText) as 16 | 24 | 32;
  }

  const latencyMs = integerOption(parts, 'latency', 0, MAX_LATENCY_MS, `an integer number of milliseconds from 0 to ${MAX_LATENCY_MS}`);

  const where = `${parts.hostInUrl === '' ? '0.0.0.0' : parts.hostInUrl}:${parts.port}`;
  return {
    url,
    host: parts.host,
    hostInUrl: parts.hostInUrl,
    port: parts.port,
    mode,
    streamId,
    passphrase,
    keyLength,
    latencyMs,
    streamName: streamId ?? where,
    safeUrl: safeSrtUrl(parts),
    safeStreamName: streamId === undefined ? where : redactKey(streamId),
  };
}

/** The URL as logs and unprivileged readers may see it: the passphrase masked, the stream id (often a key) cut to 4 characters. */
function safeSrtUrl(parts: TsUrlParts): string {
  const query = parts.options.map(({ name, value, raw }) => {
    if (name === 'passphrase') return `${name}=***`;
    if (name === 'streamid') return `${name}=${redactKey(value)}`;
    return `${name}=${raw}`;
  });
  return `srt://${parts.hostInUrl}:${parts.port}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** srt-live-transmit reads its options from a URL it does not decode: '&' would end the value, control characters have no place in it. */
function checkToolSafe(value: string, name: string): void {
  if (value.includes('&')) throw invalidUrl(`${name} cannot contain '&' (srt-live-transmit, which carries SRT pushes, could not pass it on)`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidUrl(`${name} cannot contain control characters`);
}
