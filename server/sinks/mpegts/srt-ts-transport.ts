import type net from 'node:net';
import type { Clock } from '../../events/clock';
import { TypedEmitter } from '../../events/typed-emitter';
import type { Logger } from '../../log';
import { findExecutable, findSetpriv, SRT_TOOL, SRT_TOOL_MISSING, SrtChild, type SrtChildExit, type SrtChildLine } from './srt-child';
import type { SrtTarget } from './srt-target';
import { TsPacer } from './ts-pacer';
import { resolveAddress, TS_DATAGRAM_BYTES, TS_PACKET_BYTES, TsTransportError, WaterMarks, type TsTransport, type TsTransportEvents } from './ts-transport';

/** How long a caller waits for the receiver to answer, ms (given to SRT as conntimeo, and our own bound). */
export const SRT_CONNECT_TIMEOUT_MS = 4000;

/** Longest a graceful close spends handing what is queued to the tool, ms. */
export const SRT_FLUSH_MS = 1000;

/** SRT's default latency, ms: the receiver holds each packet this long before delivering it. */
const SRT_DEFAULT_LATENCY_MS = 120;

/**
 * Time left after the last chunk before the tool is told to stop, beyond the latency, ms: the
 * receiver drops what it still holds when the connection closes, so a graceful close waits for the
 * latency window (capped at 1 s) plus this.
 */
const SRT_LINGER_MARGIN_MS = 60;

/** Margin over the connect timeout before our own timer gives up, ms. */
const CONNECT_MARGIN_MS = 500;

/** A TS null packet (PID 0x1FFF), which receivers discard: pads a short last datagram to a full chunk. */
const NULL_PACKET = (() => {
  const packet = Buffer.alloc(TS_PACKET_BYTES, 0xff);
  packet.set([0x47, 0x1f, 0xff, 0x10]);
  return packet;
})();

/** Options of an {@link SrtTsTransport}. */
export interface SrtTsTransportOptions {
  readonly target: SrtTarget;
  /** Resolves the caller's host (the outbound policy's checkedLookup, which refuses forbidden addresses); default the system's. */
  readonly lookup?: net.LookupFunction;
  /** How long the caller's lookup may take, ms; default DNS_TIMEOUT_MS (ts-transport.ts). */
  readonly dnsTimeoutMs?: number;
  /** Gets the tool's output (debug) and failures (warn). */
  readonly logger?: Logger;
  /** Time and timers of the pacer; default the system clock. */
  readonly clock?: Clock;
  /** The program (name on PATH or path); default srt-live-transmit. */
  readonly command?: string;
  /** How long a caller waits for the receiver, ms; default {@link SRT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number;
  /** Lowest pacing rate, bytes/s; default the pacer's (1 Mbit/s). */
  readonly minRateBytesPerSecond?: number;
}

/** The arguments of srt-live-transmit for `target`, connecting to (caller) or listening on (listener) `address`. */
export function srtLiveTransmitArgs(target: SrtTarget, address: string, connectTimeoutMs = SRT_CONNECT_TIMEOUT_MS): string[] {
  const host = address.includes(':') ? `[${address}]` : address;
  const query = [`mode=${target.mode}`, 'transtype=live'];
  if (target.mode === 'caller') query.push(`conntimeo=${connectTimeoutMs}`);
  if (target.latencyMs !== undefined) query.push(`latency=${target.latencyMs}`);
  if (target.passphrase !== undefined) query.push(`passphrase=${target.passphrase}`);
  if (target.keyLength !== undefined) query.push(`pbkeylen=${target.keyLength}`);
  if (target.streamId !== undefined) query.push(`streamid=${target.streamId}`);
  return [
    // Exit when the connection breaks (the push task reconnects), instead of reconnecting by itself.
    '-a:no',
    // Forward each chunk as it comes: the default reads 10 chunks before sending, a delay at low rates.
    '-buffering:1',
    // One SRT packet = 7 whole TS packets, the chunks we write.
    `-chunk:${TS_DATAGRAM_BYTES}`,
    // Warnings carry the reason of a refused connection.
    '-loglevel:warn',
    'file://con',
    `srt://${host}:${target.port}?${query.join('&')}`,
  ];
}

/** What the receiver's refusal means, in words for the push's lastError. */
function rejectionText(reason: string): string {
  switch (reason) {
    case 'Incorrect passphrase':
      return 'wrong passphrase';
    case 'Password required or unexpected':
      return 'passphrase required or unexpected (one side has a passphrase, the other none)';
    case 'Application-defined rejection reason':
      return 'refused by the receiving application (is the stream id right, and allowed to publish?)';
    default:
      return reason;
  }
}

/**
 * MPEG-TS to an SRT receiver, through one srt-live-transmit process per push (no maintained SRT
 * exists in JavaScript): it copies what it reads on stdin to the SRT connection untouched, so
 * continuity counters and timing stay ours. What goes to its stdin is paced by a {@link TsPacer}, in
 * chunks of 7 TS packets (a short last chunk is padded with null packets: the tool only forwards
 * whole chunks). Caller mode connects to the receiver and is open once the connection is up;
 * listener mode is open once a receiver has called in. A refusal (wrong passphrase...), no answer
 * within the connect timeout, or a connection that breaks later ends it with a clear error.
 */
export class SrtTsTransport extends TypedEmitter<TsTransportEvents> implements TsTransport {
  readonly #target: SrtTarget;
  readonly #options: SrtTsTransportOptions;
  readonly #pacer: TsPacer;
  readonly #marks = new WaterMarks();
  #state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  #child: SrtChild | undefined;
  #pendingOpen: { readonly resolve: () => void; readonly reject: (error: Error) => void } | undefined;
  #closing: Promise<void> | undefined;
  #disconnected = false;
  /** Why the transport failed by itself, once it has. */
  #failure: Error | undefined;
  #lastError: string | undefined;
  /** The receiver (caller) or our listening address, for messages. */
  #where: string;
  /** Bytes handed to the tool (null-packet padding included). */
  bytesSent = 0;
  /** Bytes the tool reported it dropped (SRT send buffer full). */
  lostBytes = 0;

  constructor(options: SrtTsTransportOptions) {
    super();
    this.#options = options;
    this.#target = options.target;
    this.#where = `${options.target.hostInUrl === '' ? '0.0.0.0' : options.target.hostInUrl}:${options.target.port}`;
    this.#pacer = new TsPacer({
      send: (datagram) => this.#sendChunk(datagram),
      datagramBytes: TS_DATAGRAM_BYTES,
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
    return this.#pacer.queuedBytes + (this.#child?.stdinPending ?? 0);
  }

  /** The pacer (rate, counters), for stats and tests. */
  get pacer(): TsPacer {
    return this.#pacer;
  }

  /** Process id of the tool while it runs, for tests and diagnostics. */
  get pid(): number | undefined {
    return this.#child?.exited === false ? this.#child.pid : undefined;
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.#state !== 'new') throw new Error(this.#state === 'closed' ? 'SRT transport is closed' : 'open() was already called');
    this.#state = 'opening';
    if (signal.aborted) return;
    try {
      await this.#open(signal);
    } catch (error) {
      if (!this.closed) this.#finish(error as Error);
      throw error;
    }
  }

  async #open(signal: AbortSignal): Promise<void> {
    const target = this.#target;
    const command = await findExecutable(this.#options.command ?? SRT_TOOL);
    if (command === undefined) throw new TsTransportError('MISSING_TOOL', SRT_TOOL_MISSING);
    let address = target.host;
    if (target.mode === 'caller') {
      const resolved = await resolveAddress('SRT', target.host, 0, { lookup: this.#options.lookup, signal, timeoutMs: this.#options.dnsTimeoutMs });
      if (resolved === undefined) return;
      address = resolved.address;
      if (address !== target.host) this.#where = `${target.hostInUrl} (${address}):${target.port}`;
    }
    const setpriv = await findSetpriv();
    if (signal.aborted) return;
    if (this.closed) throw new TsTransportError('CHILD', 'SRT: the transport was closed while connecting');
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? SRT_CONNECT_TIMEOUT_MS;
    const child = new SrtChild({ command, args: srtLiveTransmitArgs(target, address, connectTimeoutMs), secrets: [target.passphrase ?? '', target.streamId ?? ''] }, setpriv);
    this.#child = child;
    child.on('line', (line, meaning) => this.#onLine(line, meaning));
    child.on('exit', (exit) => this.#onExit(exit));
    child.on('drain', () => this.#checkDrain());
    await new Promise<void>((resolve, reject) => {
      // The tool exits when its connect timeout passes (see #exitError); this timer is the backstop.
      const timer = target.mode === 'caller' ? setTimeout(() => this.#pendingOpen?.reject(this.#connectTimeoutError()), connectTimeoutMs + CONNECT_MARGIN_MS) : undefined;
      timer?.unref();
      const onAbort = (): void => {
        // Aborted before the connection was up: nothing to flush, the tool goes at once.
        this.#pendingOpen?.resolve();
        this.#finish(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        this.#pendingOpen = undefined;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      this.#pendingOpen = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
    });
    if (signal.aborted) return;
    // Failed between the connection coming up and now (it broke at once): say why rather than open.
    if (this.closed) throw this.#failure ?? new TsTransportError('CHILD', 'SRT: the transport was closed while connecting');
    this.#state = 'open';
    this.#options.logger?.debug({ target: target.safeUrl, pid: child.pid }, 'SRT connection up');
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
    const child = this.#child;
    if (!this.closed && graceful && this.#state === 'open' && child) {
      const deadline = performance.now() + SRT_FLUSH_MS;
      await this.#pacer.end(SRT_FLUSH_MS);
      while (!this.closed && child.stdinPending > 0 && performance.now() < deadline) await delay(5);
      if (!this.closed) await delay(Math.min(this.#target.latencyMs ?? SRT_DEFAULT_LATENCY_MS, 1000) + SRT_LINGER_MARGIN_MS);
    }
    this.#finish(undefined);
    await child?.exit;
  }

  #sendChunk(datagram: Buffer): void {
    const child = this.#child;
    if (!child || this.closed) return;
    // The tool reads whole chunks from its stdin: a short one would wait there for more bytes.
    let chunk = datagram;
    if (chunk.length < TS_DATAGRAM_BYTES) chunk = Buffer.concat([chunk, ...Array<Buffer>((TS_DATAGRAM_BYTES - chunk.length) / TS_PACKET_BYTES).fill(NULL_PACKET)]);
    const bytes = chunk.length;
    child.write(chunk, (error) => {
      if (error || this.closed) return;
      this.bytesSent += bytes;
      this.#checkDrain();
    });
  }

  #onLine(line: string, meaning: SrtChildLine): void {
    const log = this.#options.logger;
    switch (meaning.kind) {
      case 'connected':
        log?.debug({ target: this.#target.safeUrl, line }, 'srt-live-transmit');
        this.#pendingOpen?.resolve();
        return;
      case 'rejected':
        if (this.#target.mode === 'caller') {
          this.#pendingOpen?.reject(new TsTransportError('REJECTED', `SRT: the receiver rejected the connection: ${rejectionText(meaning.reason)}`));
        } else {
          // A caller we refused (its passphrase...): we go on listening for the right one.
          log?.warn({ target: this.#target.safeUrl, reason: meaning.reason }, 'SRT listener refused a caller');
        }
        return;
      case 'disconnected':
        this.#disconnected = true;
        return;
      case 'lost':
        this.lostBytes = meaning.bytes;
        log?.debug({ target: this.#target.safeUrl, lostBytes: meaning.bytes }, 'srt-live-transmit dropped bytes it could not send');
        return;
      case 'error':
        this.#lastError = meaning.text;
        log?.debug({ target: this.#target.safeUrl, line }, 'srt-live-transmit');
        return;
      default:
        log?.debug({ target: this.#target.safeUrl, line }, 'srt-live-transmit');
    }
  }

  #onExit(exit: SrtChildExit): void {
    if (this.closed) return;
    const error = this.#exitError(exit);
    if (this.#pendingOpen) this.#pendingOpen.reject(error);
    else this.#fail(error);
  }

  /** Why the tool ended by itself, in words. */
  #exitError(exit: SrtChildExit): TsTransportError {
    const lines = this.#child?.lastLines ?? [];
    if (exit.spawnError !== undefined) {
      const code = (exit.spawnError as { code?: unknown }).code;
      if (code === 'ENOENT') return new TsTransportError('MISSING_TOOL', SRT_TOOL_MISSING, { cause: exit.spawnError });
      return new TsTransportError('CHILD', `SRT: could not start srt-live-transmit: ${exit.spawnError.message}`, { cause: exit.spawnError });
    }
    // setpriv could not run the tool (removed since we found it).
    if (exit.code === 127 && lines.some((l) => l.includes('failed to execute'))) return new TsTransportError('MISSING_TOOL', SRT_TOOL_MISSING);
    if (this.#disconnected) {
      return this.#target.mode === 'caller'
        ? new TsTransportError('DISCONNECTED', `SRT: the connection to ${this.#where} was lost (the receiver closed it or stopped answering)`)
        : new TsTransportError('DISCONNECTED', `SRT: the receiver that called ${this.#where} disconnected`);
    }
    // A caller that gets no answer exits quietly (code 0) once SRT's connect timeout has passed.
    if (this.#pendingOpen && this.#target.mode === 'caller' && this.#lastError === undefined && exit.signal === null) return this.#connectTimeoutError();
    if (this.#lastError !== undefined) {
      if (this.#target.mode === 'listener' && /srt_bind|srt_listen/.test(this.#lastError)) {
        return new TsTransportError('LOCAL', `SRT: cannot listen on ${this.#where}: ${this.#lastError}`);
      }
      return new TsTransportError('CHILD', `SRT: srt-live-transmit failed: ${this.#lastError}`);
    }
    const how = exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
    const last = lines.at(-1);
    return new TsTransportError('CHILD', `SRT: srt-live-transmit exited unexpectedly (${how})${last === undefined ? '' : `: ${last}`}`);
  }

  #connectTimeoutError(): TsTransportError {
    const seconds = Math.round((this.#options.connectTimeoutMs ?? SRT_CONNECT_TIMEOUT_MS) / 100) / 10;
    return new TsTransportError('CONNECT_TIMEOUT', `SRT: could not connect to ${this.#where} (no answer within ${seconds} s: is an SRT listener running there, and is its UDP port reachable?)`);
  }

  #checkDrain(): void {
    if (this.#state !== 'closed' && this.#marks.update(this.pendingBytes)) this.emit('drain');
  }

  #fail(error: Error): void {
    if (this.closed) return;
    this.#options.logger?.warn({ err: error, target: this.#target.safeUrl, lastLines: this.#child?.lastLines }, 'SRT transport failed');
    this.#finish(error);
  }

  #finish(error: Error | undefined): void {
    if (this.closed) return;
    this.#state = 'closed';
    this.#failure = error;
    this.#pacer.stop();
    this.#pendingOpen?.reject(error ?? new TsTransportError('CHILD', 'SRT: the transport was closed while connecting'));
    void this.#child?.stop();
    this.emit('close', error);
    this.removeAllListeners();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
