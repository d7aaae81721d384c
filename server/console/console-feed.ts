import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors';
import { systemClock, type Clock, type TimerHandle } from '../events/clock';
import type { Logger } from '../log';
import type { ViewRights } from '../rest/transponder-view';
import { BitrateMeter } from './bitrate-meter';
import { consoleSnapshot, readConsoleState, type ConsoleSnapshot, type ConsoleSources, type ConsoleState } from './console-snapshot';

/** What a console feed is made of. */
export interface ConsoleFeedOptions {
  /** Reads what the console shows (`meter` turns byte counters into bitrates at monotonic time `at`). */
  readonly read: (meter: BitrateMeter, at: number) => Promise<ConsoleState>;
  /** Live connections at once; more are refused (429). */
  readonly maxClients: number;
  /** Time between snapshots, ms. */
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** Default cap on live console connections. */
export const CONSOLE_MAX_CLIENTS = 20;
/** Default time between snapshots, ms. */
export const CONSOLE_INTERVAL_MS = 1000;

interface Client {
  readonly res: ServerResponse;
  readonly rights: ViewRights;
}

/**
 * The console's server-sent events: every `intervalMs` one snapshot of streams, pushes,
 * recordings, page captures and RTMP servers is read (once, whoever listens) and written to every
 * connection as `event: snapshot` with a JSON `data` line. It reads only while someone listens;
 * a connection whose socket is still full skips a snapshot rather than queueing it. close() ends
 * every connection and refuses new ones.
 */
export class ConsoleFeed {
  readonly #options: ConsoleFeedOptions;
  readonly #clock: Clock;
  readonly #meter = new BitrateMeter();
  readonly #clients = new Set<Client>();
  #timer: TimerHandle | undefined;
  #reading = false;
  /** The last read failed (logged once until a read succeeds). */
  #failing = false;
  #sequence = 0;
  #closed = false;

  constructor(options: ConsoleFeedOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** A feed of `sources` with the default interval and cap. */
  static of(sources: ConsoleSources, logger: Logger): ConsoleFeed {
    return new ConsoleFeed({
      read: (meter, at) => readConsoleState(sources, meter, at),
      maxClients: CONSOLE_MAX_CLIENTS,
      intervalMs: CONSOLE_INTERVAL_MS,
      logger,
    });
  }

  /** Live connections now. */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Turns `res` into an event stream fed until it closes. Throws GatewayError LIMIT_REACHED when
   * `maxClients` connections are live; after close() the stream ends at once.
   */
  add(res: ServerResponse, rights: ViewRights): void {
    if (this.#clients.size >= this.#options.maxClients) {
      throw new GatewayError('LIMIT_REACHED', `The console has ${this.#options.maxClients} live connections already; close one and retry`);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // Proxies (nginx) must pass each event on as it comes.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    if (this.#closed) {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    const client: Client = { res, rights };
    this.#clients.add(client);
    res.once('close', () => this.#remove(client));
    this.#options.logger.debug({ clients: this.#clients.size }, 'console connected');
    // The newcomer gets a snapshot now, the others one early.
    this.#timer ??= this.#clock.setInterval(() => void this.#tick(), this.#options.intervalMs);
    void this.#tick();
  }

  /** Ends every connection and refuses new ones; idempotent. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }

  #remove(client: Client): void {
    if (!this.#clients.delete(client)) return;
    this.#options.logger.debug({ clients: this.#clients.size }, 'console disconnected');
    if (this.#clients.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    if (this.#reading || this.#clients.size === 0) return;
    this.#reading = true;
    let state: ConsoleState;
    try {
      state = await this.#options.read(this.#meter, this.#clock.now());
      if (this.#failing) this.#options.logger.info('console snapshots read again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#options.logger.warn({ err }, 'console snapshot could not be read');
      this.#failing = true;
      return;
    } finally {
      this.#reading = false;
    }
    this.#send(state);
  }

  #send(state: ConsoleState): void {
    const id = ++this.#sequence;
    // One JSON text per kind of rights, shared by the connections that have them.
    const events = new Map<string, string>();
    for (const client of this.#clients) {
      if (client.res.writableNeedDrain) continue;
      const key = `${client.rights.secrets}/${client.rights.errors}`;
      let event = events.get(key);
      if (event === undefined) {
        event = sseEvent('snapshot', id, consoleSnapshot(state, client.rights));
        events.set(key, event);
      }
      client.res.write(event);
    }
  }
}

/** One server-sent event; JSON has no raw line breaks, so `data` is one line. */
function sseEvent(name: string, id: number, data: ConsoleSnapshot): string {
  return `event: ${name}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}
