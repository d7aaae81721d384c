import dns from 'node:dns';
import type net from 'node:net';
import { isIP } from 'node:net';
import type { TypedEmitter } from '../../events/typed-emitter';

/** Bytes of one MPEG-TS packet. */
export const TS_PACKET_BYTES = 188;

/** TS packets in one datagram by default (7 × 188 = 1316 bytes: fits a 1500-byte MTU with IP, UDP or SRT headers). */
export const TS_PACKETS_PER_DATAGRAM = 7;

/** Bytes of a full datagram by default (1316). */
export const TS_DATAGRAM_BYTES = TS_PACKETS_PER_DATAGRAM * TS_PACKET_BYTES;

/**
 * Bytes a transport may hold (pacing queue + pipe buffer) before its owner pauses its input:
 * the cached GOP a push starts from (~0.5 MB at 2 Mbit/s) fits below it.
 */
export const TS_HIGH_WATER_BYTES = 1024 * 1024;

/** 'drain' fires when what a transport holds falls below this after having been above {@link TS_HIGH_WATER_BYTES}. */
export const TS_LOW_WATER_BYTES = 256 * 1024;

/**
 * Bytes a transport's pacing queue holds at most: beyond it the oldest datagrams are dropped and
 * counted. Never reached in normal use: the owner pauses at {@link TS_HIGH_WATER_BYTES}, and one
 * delivery of the reader's queue (≤ 8 MiB by default) fits.
 */
export const TS_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** Events of a {@link TsTransport}. */
export type TsTransportEvents = {
  /** What the transport holds fell below {@link TS_LOW_WATER_BYTES} after having been above {@link TS_HIGH_WATER_BYTES}. */
  drain: [];
  /** The transport ended, once: with the error when it failed by itself, undefined after `close()`. */
  close: [error: Error | undefined];
};

/** Where an MPEG-TS push sends its bytes: UDP datagrams or an SRT connection. Single-shot, like a sink. */
export interface TsTransport extends TypedEmitter<TsTransportEvents> {
  /** Connects (UDP: resolves and binds; SRT: starts the connection and waits until it is up). Rejects with a clear error; resolves early (without connecting) if `signal` aborts. */
  open(signal: AbortSignal): Promise<void>;
  /** Queues whole 188-byte TS packets (length multiple of 188) whose media time on the output timeline is `mediaMs`; they leave paced. */
  write(packets: Buffer, mediaMs: number): void;
  /** Bytes that left (UDP: datagram payloads; SRT: bytes handed to the child). */
  readonly bytesSent: number;
  /** Bytes written to us that have not left yet (our pacing queue + pipe buffer). */
  readonly pendingBytes: number;
  /** Ends: graceful flushes what is queued (bounded, ≤ 1 s) then closes; otherwise drops at once. Idempotent. 'close' fires once with the error if the transport failed by itself. */
  close(graceful: boolean): Promise<void>;
}

/** Stable reasons a transport fails; see {@link TsTransportError}. */
export type TsTransportErrorCode =
  /** The host name did not resolve, or DNS did not answer within DNS_TIMEOUT_MS. */
  | 'DNS'
  /** The outbound policy refuses the target (settings outbound_allow, outbound_deny). */
  | 'FORBIDDEN_TARGET'
  /** The local side could not be set up (bind, localaddr, listening port). */
  | 'LOCAL'
  /** SRT: no answer from the receiver within the connect timeout. */
  | 'CONNECT_TIMEOUT'
  /** SRT: the receiver refused the connection (passphrase, stream id...). */
  | 'REJECTED'
  /** SRT: the connection was up and broke (the receiver left). */
  | 'DISCONNECTED'
  /** A program the transport needs is not installed. */
  | 'MISSING_TOOL'
  /** The helper process failed or exited unexpectedly. */
  | 'CHILD'
  /** A socket failed for another reason. */
  | 'SOCKET';

/** Why an MPEG-TS transport could not start or ended; the message says it for the push's lastError. */
export class TsTransportError extends Error {
  override readonly name = 'TsTransportError';

  constructor(
    readonly code: TsTransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Tells when a transport's pending bytes went over {@link TS_HIGH_WATER_BYTES} and then back under
 * {@link TS_LOW_WATER_BYTES}: `update` returns true exactly when 'drain' is due.
 */
export class WaterMarks {
  #above = false;

  constructor(
    readonly high = TS_HIGH_WATER_BYTES,
    readonly low = TS_LOW_WATER_BYTES,
  ) {}

  /** Records the bytes pending now; true when they just fell below low water after high water. */
  update(pendingBytes: number): boolean {
    if (pendingBytes > this.high) this.#above = true;
    else if (this.#above && pendingBytes < this.low) {
      this.#above = false;
      return true;
    }
    return false;
  }
}

/** Error codes of Node's resolver that mean "no such host" (or no answer from DNS). */
const DNS_ERROR_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'ENODATA']);

/** An address a host resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** How long a name lookup may take before the push fails with DNS, ms (the RTMP client's connect timeout). */
const DNS_TIMEOUT_MS = 10_000;

/** How {@link resolveAddress} resolves. */
export interface ResolveOptions {
  /** The outbound policy's checkedLookup, which also refuses forbidden IP literals; default the system resolver for names. */
  readonly lookup?: net.LookupFunction | undefined;
  /** Aborted (the push was stopped): resolves to undefined at once, whatever the resolver does. */
  readonly signal: AbortSignal;
  /** Default {@link DNS_TIMEOUT_MS}. */
  readonly timeoutMs?: number | undefined;
}

/**
 * Resolves `host` to one address of `family` (0: either), or to undefined once `signal` aborts.
 * Rejects with TsTransportError DNS (no such host, or no answer within the timeout: a resolver
 * that never answers must not hold the push, nor its stop) or FORBIDDEN_TARGET; `what` ('UDP',
 * 'SRT') starts the message.
 */
export function resolveAddress(what: string, host: string, family: 0 | 4 | 6, options: ResolveOptions): Promise<ResolvedAddress | undefined> {
  const { lookup, signal } = options;
  if (signal.aborted) return Promise.resolve(undefined);
  const literal = isIP(host);
  if (lookup === undefined && literal !== 0) return Promise.resolve({ address: host, family: literal as 4 | 6 });
  const resolver: net.LookupFunction = lookup ?? ((hostname, lookupOptions, callback) => dns.lookup(hostname, lookupOptions, callback));
  const timeoutMs = options.timeoutMs ?? DNS_TIMEOUT_MS;
  // As the RTMP client does: one signal for the push's stop and the lookup's deadline.
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  return new Promise((resolve, reject) => {
    const onDeadline = (): void => {
      if (signal.aborted) resolve(undefined);
      else reject(new TsTransportError('DNS', `${what}: no DNS answer for ${host} within ${timeoutMs} ms`));
    };
    deadline.addEventListener('abort', onDeadline, { once: true });
    resolver(host, { family, all: false }, (error, address, resolvedFamily) => {
      if (deadline.aborted) return;
      deadline.removeEventListener('abort', onDeadline);
      if (error) {
        const code = errorCode(error);
        if (code === 'FORBIDDEN_TARGET') reject(new TsTransportError('FORBIDDEN_TARGET', error.message, { cause: error }));
        else if (DNS_ERROR_CODES.has(code)) reject(new TsTransportError('DNS', `${what}: cannot resolve ${host} (${code})`, { cause: error }));
        else reject(new TsTransportError('SOCKET', `${what}: cannot resolve ${host}: ${error.message}`, { cause: error }));
        return;
      }
      const first = Array.isArray(address) ? address[0] : { address, family: resolvedFamily };
      const found = first ? isIP(first.address) : 0;
      if (!first || found === 0) reject(new TsTransportError('DNS', `${what}: ${host} resolved to no usable address`));
      else resolve({ address: first.address, family: found as 4 | 6 });
    });
  });
}

/** The `code` of a Node error, or ''. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}
