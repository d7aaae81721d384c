import { DEFAULT_CONSTRAINTS, publishBitrates } from '../../../web-sdk/src/publish-constraints';

describe('publishBitrates', () => {
  it('picks bitrate, minBitrate and maxBitrate (kbps) from constraints.video', () => {
    expect(publishBitrates({ video: { width: 640, bitrate: 800, minBitrate: 300, maxBitrate: 1500 } })).toStrictEqual({
      bitrate: 800,
      minBitrate: 300,
      maxBitrate: 1500,
    });
  });

  it('leaves out zero, negative, non-finite and non-numeric values (0 means "not set" in the official SDK)', () => {
    expect(publishBitrates({ video: { bitrate: 0, minBitrate: -1, maxBitrate: Number.NaN } })).toStrictEqual({});
    expect(publishBitrates({ video: { maxBitrate: '900' } })).toStrictEqual({});
    expect(publishBitrates({ video: { maxBitrate: Number.POSITIVE_INFINITY, minBitrate: 200 } })).toStrictEqual({ minBitrate: 200 });
  });

  it.each([
    ['no constraints', undefined],
    ['no video', {}],
    ['video: true', { video: true }],
    ['video: null', { video: null }],
  ])('returns no bitrates for %s', (_label, constraints) => {
    expect(publishBitrates(constraints)).toStrictEqual({});
  });
});

describe('DEFAULT_CONSTRAINTS', () => {
  it('asks for audio and 320x240 video like the official SDK, and cannot be changed by a page', () => {
    expect(DEFAULT_CONSTRAINTS).toEqual({ audio: true, video: { width: 320, height: 240 } });
    expect(Object.isFrozen(DEFAULT_CONSTRAINTS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONSTRAINTS.video)).toBe(true);
  });
});
