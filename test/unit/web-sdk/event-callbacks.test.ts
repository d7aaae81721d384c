import { EventCallbacks } from '../../../web-sdk/src/event-callbacks';

type Events = { READY: [name: string]; DONE: [code: number, reason: string] };

describe('EventCallbacks', () => {
  it('passes the typed arguments to the registered callback', () => {
    const callbacks = new EventCallbacks<Events>();
    const done = jest.fn();
    callbacks.set('DONE', done);
    callbacks.fire('DONE', 3, 'stopped');
    expect(done).toHaveBeenCalledWith(3, 'stopped');
  });

  it('keeps one callback per event: a second registration replaces the first, as in the official SDK', () => {
    const callbacks = new EventCallbacks<Events>();
    const first = jest.fn();
    const second = jest.fn();
    callbacks.set('READY', first);
    callbacks.set('READY', second);
    callbacks.fire('READY', 'a');
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith('a');
  });

  it('does nothing for an event without a callback', () => {
    const report = jest.fn();
    const callbacks = new EventCallbacks<Events>(report);
    expect(() => callbacks.fire('READY', 'a')).not.toThrow();
    expect(report).not.toHaveBeenCalled();
  });

  it('hands what a callback throws to the reporter instead of the caller', () => {
    const report = jest.fn();
    const callbacks = new EventCallbacks<Events>(report);
    const failure = new Error('page bug');
    callbacks.set('READY', () => {
      throw failure;
    });
    expect(() => callbacks.fire('READY', 'a')).not.toThrow();
    expect(report).toHaveBeenCalledWith(failure);
  });

  it('rethrows callback errors in a microtask by default, after fire() has returned', async () => {
    const callbacks = new EventCallbacks<Events>();
    const failure = new Error('page bug');
    callbacks.set('READY', () => {
      throw failure;
    });
    const realQueueMicrotask = globalThis.queueMicrotask;
    const queued: Array<() => void> = [];
    globalThis.queueMicrotask = (task) => queued.push(task);
    try {
      callbacks.fire('READY', 'a');
    } finally {
      globalThis.queueMicrotask = realQueueMicrotask;
    }
    expect(queued).toHaveLength(1);
    expect(queued[0]).toThrow(failure);
  });

  it("throws the official SDK's errors for a missing event or a callback that is not a function", () => {
    const callbacks = new EventCallbacks<Events>();
    expect(() => callbacks.set('' as 'READY', jest.fn())).toThrow(new TypeError("Event can't be null"));
    expect(() => callbacks.set('READY', 'nope' as unknown as () => void)).toThrow(new Error('Callback needs to be a valid function'));
  });
});
