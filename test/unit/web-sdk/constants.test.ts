import * as official from '@flashphoner/websdk/src/constants';
import { ERROR_INFO, SESSION_STATUS, STREAM_STATUS, STREAM_STATUS_INFO } from '../../../web-sdk/src/constants';

describe('constants match @flashphoner/websdk constants.js', () => {
  it.each([
    ['SESSION_STATUS', SESSION_STATUS, official.SESSION_STATUS],
    ['STREAM_STATUS', STREAM_STATUS, official.STREAM_STATUS],
    ['STREAM_STATUS_INFO', STREAM_STATUS_INFO, official.STREAM_STATUS_INFO],
    ['ERROR_INFO', ERROR_INFO, official.ERROR_INFO],
  ])('%s: every key we expose has the official value', (_group, ours, theirs) => {
    expect(Object.keys(ours).length).toBeGreaterThan(0);
    expect(theirs).toMatchObject(ours);
  });

  it('exposes the statuses a publisher and a player go through', () => {
    expect(Object.keys(SESSION_STATUS).sort()).toEqual(['CONNECTED', 'DISCONNECTED', 'ESTABLISHED', 'FAILED', 'PENDING', 'WARN']);
    expect(Object.keys(STREAM_STATUS).sort()).toEqual(['FAILED', 'NEW', 'PENDING', 'PLAYING', 'PUBLISHING', 'STOPPED', 'UNPUBLISHED']);
  });

  it('is frozen like the official objects', () => {
    expect(Object.isFrozen(SESSION_STATUS)).toBe(true);
    expect(Object.isFrozen(STREAM_STATUS)).toBe(true);
    expect(Object.isFrozen(STREAM_STATUS_INFO)).toBe(true);
    expect(Object.isFrozen(ERROR_INFO)).toBe(true);
  });
});
