/** A timer handle of a {@link Clock}. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/**
 * Time and timers, injected into state machines so tests can drive them with a fake clock in
 * milliseconds instead of waiting.
 */
export interface Clock {
  /** Monotonic time, ms (`performance.now()`). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle),
};
