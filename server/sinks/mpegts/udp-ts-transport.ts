import dgram from 'node:dgram';
import type net from 'node:net';
import type { Clock } from '../../events/clock';
import { TypedEmitter } from '../../events/typed-emitter';
import type { Logger } from '../../log';
import { TsPacer } from './ts-pacer';
import { isMulticastAddress } from './ts-target-url';
import { errorCode, resolveAddress, TsTransportError, WaterMarks, type ResolvedAddress, type TsTransport, type TsTransportEvents } from './ts-transport';
import type { UdpTarget } from './udp-target';

/** Longest a graceful close spends sending what is queued, ms. */
export const UDP_FLUSH_MS = 1000;

/** Send errors after which nothing can ever leave: the push fails instead of sending into the void. */
const FATAL_SEND_ERRORS: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EINVAL', 'EAFNOSUPPORT', 'EMSGSIZE', 'EDESTADDRREQ']);

/** Options of a {@link UdpTsTransport}. */
export interface UdpTsTransportOptions {
  readonly target: UdpTarget;
  /** Resolves the host (the outbound policy's checkedLookup, which refuses forbidden addresses); default the system's. */
  readonly lookup?: net.LookupFunction;
  /** How long the lookup may take, ms; default DNS_TIMEOUT_MS (ts-transport.ts). */
  readonly dnsTimeoutMs?: number;
  /** Gets send errors and counters (rate-limited). */
  readonly logger?: Logger;
  /** Time and timers of the pacer; default the system clock. */
  readonly clock?: Clock;
  /** Lowest pacing rate, bytes/s; default the pacer's (1 Mbit/s). */
  readonly minRateBytesPerSecond?: number;
}

/**
 * MPEG-TS to a UDP destination, unicast or multicast: one connected UDP socket, datagrams of whole
 * TS packets (1316 bytes by default) paced by a {@link TsPacer}. UDP is fire and forget: a
 * destination where nothing listens yet (ICMP port unreachable, which Linux reports as
 * ECONNREFUSED on a connected socket) is counted, not an error, so a receiver may start after the
 * push. Only errors after which nothing could ever leave (EACCES...) end the transport.
 */
export class UdpTsTransport extends TypedEmitter<TsTransportEvents> implements TsTransport {
  readonly #target: UdpTarget;
  readonly #options: UdpTsTransportOptions;
  readonly #pacer: TsPacer;
  readonly #marks = new WaterMarks();
  #state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  #socket: dgram.Socket | undefined;
  #destination: ResolvedAddress | undefined;
  /** Bytes given to socket.send whose callback has not come yet. */
  #inFlight = 0;
  #closing: Promise<void> | undefined;
  /** Why the transport failed by itself, once it has. */
  #failure: Error | undefined;
  #nextErrorLog = 1;
  /** Bytes that left: payloads of the datagrams the kernel took. */
  bytesSent = 0;
  /** Datagrams refused by the destination (ICMP port unreachable: no receiver there yet). */
  refusedSends = 0;
  /** Datagrams that failed for another reason. */
  sendErrors = 0;
  /** The last send error, for the log and the push's status. */
  lastSendError: string | undefined;

  constructor(options: UdpTsTransportOptions) {
    super();
    this.#options = options;
    this.#target = options.target;
    this.#pacer = new TsPacer({
      send: (datagram) => this.#sendDatagram(datagram),
      datagramBytes: options.target.datagramBytes,
      onSent: () => this.#checkDrain(),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.minRateBytesPerSecond === undefined ? {} : { minRateBytesPerSecond: options.minRateBytesPerSecond }),
    });
  }

  /** True once the transport ended (closed or failed). */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  get pendingBytes(): number {
    return this.#pacer.queuedBytes + this.#inFlight;
  }

  /** The pacer (rate, counters), for stats and tests. */
  get pacer(): TsPacer {
    return this.#pacer;
  }

  /** The address:port datagrams go to, once open. */
  get destination(): string | undefined {
    const d = this.#destination;
    return d && (d.family === 6 ? `[${d.address}]:${this.#target.port}` : `${d.address}:${this.#target.port}`);
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.#state !== 'new') throw new Error(this.#state === 'closed' ? 'UDP transport is closed' : 'open() was already called');
    this.#state = 'opening';
    if (signal.aborted) return;
    try {
      await this.#open(signal);
    } catch (error) {
      // A failed open ends the transport: its socket is closed and 'close' carries the reason.
      if (!this.closed) this.#finish(error as Error);
      throw error;
    }
  }

  async #open(signal: AbortSignal): Promise<void> {
    const { host, port, localAddress, ttl } = this.#target;
    const family = localAddress === undefined ? 0 : localAddress.includes(':') ? 6 : 4;
    const destination = await resolveAddress('UDP', host, family, { lookup: this.#options.lookup, signal, timeoutMs: this.#options.dnsTimeoutMs });
    if (destination === undefined || signal.aborted) return;
    this.#checkNotClosed();
    this.#destination = destination;
    const socket = dgram.createSocket({ type: destination.family === 6 ? 'udp6' : 'udp4' });
    this.#socket = socket;
    let setupFailed: ((error: Error) => void) | undefined;
    // Listened to from the start, so no error is ever unhandled. ICMP port unreachable comes back as
    // ECONNREFUSED on the connected socket's next receive or send: counted; any other error after
    // set-up ends the transport.
    socket.on('error', (error) => {
      if (setupFailed) setupFailed(this.#setupError(error));
      else if (errorCode(error) === 'ECONNREFUSED') this.refusedSends++;
      else this.#fail(new TsTransportError('SOCKET', `UDP: socket error on ${this.destination}: ${error.message}`, { cause: error }));
    });
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        setupFailed = undefined;
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      setupFailed = settle;
      const onAbort = (): void => settle();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.bind({ port: 0, exclusive: true, ...(localAddress === undefined ? {} : { address: localAddress }) }, () => {
        if (setupFailed === undefined) return;
        // A failed connect (ENETUNREACH, say) comes to this callback, not to the 'error' listener.
        socket.connect(port, destination.address, (error?: Error) => {
          if (setupFailed === undefined) return;
          if (error) {
            settle(this.#setupError(error));
            return;
          }
          try {
            if (isMulticastAddress(destination.address)) {
              socket.setMulticastTTL(ttl);
              if (localAddress !== undefined) socket.setMulticastInterface(localAddress);
            }
            settle();
          } catch (error) {
            settle(this.#setupError(error as Error));
          }
        });
      });
    });
    if (signal.aborted) return;
    this.#checkNotClosed();
    this.#state = 'open';
  }

  write(packets: Buffer, mediaMs: number): void {
    if (this.#state === 'closed') return;
    if (this.#state !== 'open') throw new Error('write() before open() resolved');
    this.#pacer.write(packets, mediaMs);
    this.#checkDrain();
  }

  close(graceful: boolean): Promise<void> {
    this.#closing ??= this.#close(graceful);
    return this.#closing;
  }

  async #close(graceful: boolean): Promise<void> {
    if (this.#state === 'closed') return;
    if (graceful && this.#state === 'open') {
      const deadline = performance.now() + UDP_FLUSH_MS;
      await this.#pacer.end(UDP_FLUSH_MS);
      // The last sends' callbacks: the kernel takes datagrams at once unless its buffer is full.
      while (this.#inFlight > 0 && this.#state === 'open' && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.#finish(undefined);
  }

  #sendDatagram(datagram: Buffer): void {
    const socket = this.#socket;
    if (!socket || this.#state === 'closed') return;
    const bytes = datagram.length;
    this.#inFlight += bytes;
    try {
      socket.send(datagram, (error) => {
        if (this.#state === 'closed') return;
        this.#inFlight -= bytes;
        if (error) this.#onSendError(error);
        else this.bytesSent += bytes;
        this.#checkDrain();
      });
    } catch (error) {
      // The socket closed under us (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing more can leave.
      this.#inFlight -= bytes;
      this.#fail(new TsTransportError('SOCKET', `UDP: cannot send to ${this.destination}: ${(error as Error).message}`, { cause: error }));
    }
  }

  #onSendError(error: Error): void {
    const code = errorCode(error);
    if (code === 'ECONNREFUSED') {
      this.refusedSends++;
      return;
    }
    this.sendErrors++;
    this.lastSendError = `${code || error.message}`;
    if (FATAL_SEND_ERRORS.has(code)) {
      const hint = code === 'EACCES' ? ' (a broadcast address? the gateway sends to unicast and multicast destinations only)' : '';
      this.#fail(new TsTransportError('SOCKET', `UDP: cannot send to ${this.destination}: ${code}${hint}`, { cause: error }));
      return;
    }
    // Transient (no route for now, buffer full): counted, logged at 1, 10, 100... errors.
    if (this.sendErrors >= this.#nextErrorLog) {
      this.#nextErrorLog = this.sendErrors * 10;
      this.#options.logger?.warn({ destination: this.destination, sendErrors: this.sendErrors, error: this.lastSendError }, 'UDP datagrams could not be sent');
    }
  }

  #setupError(error: Error): TsTransportError {
    const code = errorCode(error);
    const { localAddress } = this.#target;
    if (localAddress !== undefined && (code === 'EADDRNOTAVAIL' || code === 'EINVAL')) {
      return new TsTransportError('LOCAL', `UDP: cannot send from localaddr ${localAddress}: not an address of this machine (${code})`, { cause: error });
    }
    return new TsTransportError('LOCAL', `UDP: cannot set up the socket to ${this.destination}: ${error.message}`, { cause: error });
  }

  #checkNotClosed(): void {
    if (this.#state === 'closed') throw this.#failure ?? new TsTransportError('SOCKET', 'UDP: the transport was closed while opening');
  }

  #checkDrain(): void {
    if (this.#state !== 'closed' && this.#marks.update(this.pendingBytes)) this.emit('drain');
  }

  #fail(error: Error): void {
    if (this.#state === 'closed') return;
    this.#options.logger?.warn({ err: error, destination: this.destination }, 'UDP transport failed');
    this.#finish(error);
  }

  #finish(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#failure = error;
    this.#pacer.stop();
    this.#inFlight = 0;
    try {
      this.#socket?.close();
    } catch {
      // Already closed.
    }
    this.emit('close', error);
    this.removeAllListeners();
  }
}
