import { ERROR_INFO } from './constants';

/** Maps each event name to the tuple of arguments its callback receives. */
export type CallbackMap = { [event: string]: unknown[] };

/** Receives an error thrown by a user callback; by default it is rethrown in a microtask. */
export type CallbackErrorReporter = (error: unknown) => void;

// Rethrowing outside the SDK's call stack surfaces the error in the console and window.onerror
// without leaving a session or stream half-way through a status change.
const rethrowAsync: CallbackErrorReporter = (error) => {
  queueMicrotask(() => {
    throw error;
  });
};

/**
 * The callbacks registered with `on(event, callback)`: one per event, as in the official SDK,
 * so registering an event again replaces the previous callback.
 */
export class EventCallbacks<E extends CallbackMap> {
  private readonly callbacks: { [K in keyof E]?: (...args: E[K]) => void } = {};

  /** @param reportError receives what a callback throws (default: rethrown in a microtask). */
  constructor(private readonly reportError: CallbackErrorReporter = rethrowAsync) {}

  /** Registers `callback` for `event`; throws the official SDK's errors for a missing event or a non-function. */
  set<K extends keyof E & string>(event: K, callback: (...args: E[K]) => void): void {
    if (!event) {
      throw new TypeError(ERROR_INFO.EVENT_CANT_BE_NULL);
    }
    if (typeof callback !== 'function') {
      throw new Error(ERROR_INFO.CALLBACK_NEEDS_TO_BE_A_VALID_FUNCTION);
    }
    this.callbacks[event] = callback;
  }

  /** Calls the callback registered for `event`, if any; what it throws goes to the error reporter. */
  fire<K extends keyof E & string>(event: K, ...args: E[K]): void {
    const callback = this.callbacks[event];
    if (callback === undefined) {
      return;
    }
    try {
      callback(...args);
    } catch (error) {
      this.reportError(error);
    }
  }
}
