import WebSocket from 'ws';

/** One frame from the server. */
export interface ServerFrame {
  message: string;
  data: any[];
}

/** How a client's connection ended: the close code and reason the server gave. */
export interface ClientClose {
  code: number;
  reason: string;
}

/** A JSON array nested `depth` deep, as text (JSON.stringify cannot write it: ~5000 levels overflow its stack). */
export function nestedArrayText(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** JSON text of `value` in which every string value `"BOMB"` is replaced by the raw JSON text `bomb`. */
export function jsonWithBomb(value: unknown, bomb: string): string {
  return JSON.stringify(value).replaceAll('"BOMB"', bomb);
}

/** Rejects with `what` if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A raw WCS signalling client: sends envelopes, collects the server's frames, waits for one by name. */
export class SignallingClient {
  readonly frames: ServerFrame[] = [];
  /** Resolves when the connection is gone. */
  readonly closed: Promise<ClientClose>;
  readonly #waiters: Array<{ name: string; resolve: (frame: ServerFrame) => void }> = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as ServerFrame;
      this.frames.push(frame);
      const waiter = this.#waiters.find((w) => w.name === frame.message);
      if (waiter) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
  }

  /** Opens a connection (from `localAddress`, e.g. 127.0.0.2, when given); rejects if the upgrade is refused. */
  static async open(url: string, localAddress?: string): Promise<SignallingClient> {
    const ws = new WebSocket(url, localAddress === undefined ? {} : { localAddress });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new SignallingClient(ws);
  }

  /** Sends `{"message", "data": [data]}`. */
  send(message: string, data: unknown): void {
    this.ws.send(JSON.stringify({ message, data: [data] }));
  }

  /** Resolves with the next frame named `name` (within 5 s). */
  next(name: string, timeoutMs = 5000): Promise<ServerFrame> {
    const frame = within(new Promise<ServerFrame>((resolve) => this.#waiters.push({ name, resolve })), timeoutMs, `a '${name}' frame`);
    // A test that fails before awaiting it must not also end the process with an unhandled rejection.
    frame.catch(() => undefined);
    return frame;
  }

  /** connection → getUserData; resolves with getUserData's data[0]. */
  async connect(fields: Record<string, unknown> = { appKey: 'defaultApp' }): Promise<Record<string, unknown>> {
    const userData = this.next('getUserData');
    this.send('connection', fields);
    return (await userData).data[0];
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Tries to open a WebSocket; resolves with 'open' (the socket is left open and returned), or the HTTP
 * status the upgrade was refused with, or 'dropped' when the connection was cut without an answer.
 */
export function tryOpen(url: string, localAddress?: string): Promise<{ outcome: 'open'; ws: WebSocket } | { outcome: number | 'dropped' }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, localAddress === undefined ? {} : { localAddress });
    ws.once('open', () => resolve({ outcome: 'open', ws }));
    ws.once('unexpected-response', (request, response) => {
      resolve({ outcome: response.statusCode ?? 0 });
      request.destroy();
    });
    // Also after a refusal: destroying the request makes ws report an error, which must have a listener.
    ws.on('error', () => resolve({ outcome: 'dropped' }));
  });
}
