import { repairTimings } from '../../../server/media/rtp/repair-window';

const AUTO = { window: 'auto', minMs: 50, maxMs: 600 } as const;

describe('repairTimings', () => {
  test('on loopback the window is the 50 ms floor, and a NACK is repeated after ~10 ms', () => {
    const timings = repairTimings({ smoothedMs: 0.4, variationMs: 0.2 }, 0.5, AUTO);
    expect(timings.windowMs).toBe(50);
    expect(timings.retryAfterMs).toBeCloseTo(0.4 + 10 + 1, 9);
  });

  test('the window is three retransmission timeouts: one round trip and two re-NACKs, with their margins', () => {
    // timeout = SRTT + max(4·RTTVAR, 10) + 2·jitter = 100 + 20 + 4 = 124.
    expect(repairTimings({ smoothedMs: 100, variationMs: 5 }, 2, AUTO)).toEqual({ windowMs: 372, retryAfterMs: 124 });
    expect(repairTimings({ smoothedMs: 150, variationMs: 1 }, 0, AUTO)).toEqual({ windowMs: 480, retryAfterMs: 160 });
  });

  test('is bounded by maxMs; unknown round trip waits maxMs', () => {
    expect(repairTimings({ smoothedMs: 400, variationMs: 20 }, 3, AUTO).windowMs).toBe(600);
    expect(repairTimings({ smoothedMs: 400, variationMs: 20 }, 3, { ...AUTO, maxMs: 2000 }).windowMs).toBe(1458);
    expect(repairTimings({ smoothedMs: undefined, variationMs: 0 }, 0, AUTO)).toEqual({ windowMs: 600, retryAfterMs: 110 });
  });

  test('a fixed window is used as set, whatever the round trip; re-NACKs still follow the round trip', () => {
    expect(repairTimings({ smoothedMs: 300, variationMs: 10 }, 1, { ...AUTO, window: 50 })).toEqual({ windowMs: 50, retryAfterMs: 342 });
  });
});
