import { EventEmitter } from 'node:events';

/** Maps each event name to the tuple of arguments its listeners receive. */
export type EventMap = { [event: string]: unknown[] };

/**
 * An EventEmitter whose event names and argument lists are checked by the compiler,
 * so renaming an event breaks the build instead of production.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Many readers may watch one stream; the default limit of 10 only produces noise here.
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  /**
   * Calls every listener; a listener that throws is reported on stderr and does not stop
   * the others or the emitter (one broken consumer must not break its neighbours).
   */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    // rawListeners keeps the once() wrappers, so they still remove themselves.
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (...a: E[K]) => void)(...args);
      } catch (err) {
        process.emitWarning(`listener for '${event}' threw: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
  }

  protected removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}
