import { KeyframeRequester } from '../../../server/webrtc/keyframe-requester';
import { FakeClock } from '../../support/fake-clock';

function requester(options: { rttMs?: number; readers?: boolean } = {}) {
  const clock = new FakeClock();
  const sent: number[] = [];
  const keyframes = new KeyframeRequester({
    maxIntervalMs: 2000,
    sendRequest: () => sent.push(clock.now()),
    hasReaders: () => options.readers ?? false,
    roundTripMs: () => options.rttMs,
    clock,
  });
  return { clock, sent, keyframes };
}

describe('KeyframeRequester', () => {
  test('on demand requests are spaced 400 ms apart on a link without delay', () => {
    const { clock, sent, keyframes } = requester();
    for (let t = 0; t < 1000; t += 50) {
      keyframes.request();
      clock.advance(50);
    }
    expect(sent).toEqual([0, 400, 800]);
    expect(keyframes.requests).toBe(3);
    keyframes.close();
  });

  test('the spacing grows with the round trip: no second request before the first keyframe could come', () => {
    const { clock, sent, keyframes } = requester({ rttMs: 300 });
    for (let t = 0; t < 1500; t += 50) {
      keyframes.request();
      clock.advance(50);
    }
    expect(sent).toEqual([0, 700, 1400]);
    keyframes.close();
  });

  test('while read, a request goes out ahead of the keyframe interval, earlier by the round trip', () => {
    const quick = requester({ readers: true });
    quick.clock.advance(2000);
    expect(quick.sent[0]).toBe(1400); // 2000 − 600 ms lead, on the 200 ms check period
    const far = requester({ readers: true, rttMs: 250 });
    far.clock.advance(2000);
    expect(far.sent[0]).toBe(1200); // 2000 − 600 − 250, on the check period
    const unread = requester({ readers: false });
    unread.clock.advance(5000);
    expect(unread.sent).toEqual([]);
    for (const r of [quick, far, unread]) r.keyframes.close();
  });
});
