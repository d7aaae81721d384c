import { BatchTicker } from '../../../server/transcode/batch-ticker';

describe('BatchTicker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('flushes scheduled at any time before a tick all run at that tick, each once, and the timer stops when nothing waits', () => {
    const ticker = new BatchTicker(60);
    const calls: string[] = [];
    const a = (): void => void calls.push('a');
    const b = (): void => void calls.push('b');
    ticker.schedule(a);
    jest.advanceTimersByTime(25);
    ticker.schedule(b);
    ticker.schedule(a);
    jest.advanceTimersByTime(34);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['a', 'b']);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a flush scheduled during a tick runs at the next one; a cancelled flush never runs', () => {
    const ticker = new BatchTicker(20);
    const calls: number[] = [];
    const again = (): void => {
      calls.push(calls.length);
      if (calls.length < 3) ticker.schedule(again);
    };
    const cancelled = jest.fn();
    ticker.schedule(again);
    ticker.schedule(cancelled);
    ticker.cancel(cancelled);
    jest.advanceTimersByTime(20);
    expect(calls).toEqual([0]);
    jest.advanceTimersByTime(40);
    expect(calls).toEqual([0, 1, 2]);
    expect(cancelled).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
