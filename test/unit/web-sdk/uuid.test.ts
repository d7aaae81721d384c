import { type RandomSource, randomUuid } from '../../../web-sdk/src/uuid';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('uses crypto.randomUUID when the page is a secure context', () => {
    const source: RandomSource = {
      randomUUID: () => '11111111-2222-4333-8444-555555555555',
      getRandomValues: () => {
        throw new Error('must not be called');
      },
    };
    expect(randomUuid(source)).toBe('11111111-2222-4333-8444-555555555555');
  });

  it('builds a version 4 UUID from getRandomValues when randomUUID is missing (plain http page)', () => {
    const source: RandomSource = { getRandomValues: (bytes) => bytes.fill(0xff) };
    expect(randomUuid(source)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    const zeros: RandomSource = { getRandomValues: (bytes) => bytes.fill(0) };
    expect(randomUuid(zeros)).toBe('00000000-0000-4000-8000-000000000000');
  });

  it('gives distinct, well-formed ids from the real crypto source, with and without randomUUID', () => {
    const withoutRandomUuid: RandomSource = { getRandomValues: (bytes) => globalThis.crypto.getRandomValues(bytes) };
    const ids = [randomUuid(), randomUuid(), randomUuid(withoutRandomUuid), randomUuid(withoutRandomUuid)];
    for (const id of ids) {
      expect(id).toMatch(UUID_V4);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
