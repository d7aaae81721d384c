import type { Profiler } from 'node:inspector';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bound on each inspector call, ms (Profiler.stop serializes the profile). */
const CALL_TIMEOUT_MS = 10_000;
/** Sampling interval, µs: V8's default. */
export const SAMPLING_INTERVAL_US = 1000;

/** Thrown when the inspector cannot be reached or answers with an error. */
export class InspectorError extends Error {
  readonly code = 'INSPECTOR';
}

/**
 * Records a CPU profile of a Node process started with `--inspect=127.0.0.1:<port>` over the
 * next `seconds`, through its inspector (Chrome DevTools protocol over a loopback WebSocket):
 * unlike `--cpu-prof`, it covers one window only, and the process is not profiled outside it.
 */
export async function profileWindow(inspectPort: number, seconds: number): Promise<Profiler.Profile> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })).json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new InspectorError(`no inspector target on port ${inspectPort}`);
  const session = await InspectorSession.open(url);
  try {
    await session.call('Profiler.enable');
    await session.call('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await session.call('Profiler.start');
    await sleep(seconds * 1000);
    const { profile } = (await session.call('Profiler.stop')) as Profiler.StopReturnType;
    await session.call('Profiler.disable');
    return profile;
  } finally {
    session.close();
  }
}

/** One DevTools protocol connection: calls matched to their answers by id. */
class InspectorSession {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const call = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!call) return; // events: none are enabled that we use
      this.#pending.delete(message.id!);
      if (message.error) call.reject(new InspectorError(message.error.message));
      else call.resolve(message.result);
    });
    socket.addEventListener('close', () => {
      for (const call of this.#pending.values()) call.reject(new InspectorError('inspector connection closed'));
      this.#pending.clear();
    });
  }

  static open(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new InspectorError(`inspector ${url} did not answer within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      socket.addEventListener('open', () => {
        clearTimeout(timer);
        resolve(new InspectorSession(socket));
      });
      socket.addEventListener('error', () => {
        clearTimeout(timer);
        reject(new InspectorError(`cannot connect to inspector ${url}`));
      });
    });
  }

  call(method: string, params: object = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new InspectorError(`${method}: no answer within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}
