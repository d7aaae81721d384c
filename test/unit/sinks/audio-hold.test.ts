import { AUDIO_HOLD_MS, AudioHold } from '../../../server/sinks/audio-hold';

test('holds items oldest first and says to let them go once the oldest has waited AUDIO_HOLD_MS', () => {
  const hold = new AudioHold<string>();
  expect(hold.add('a', 1000)).toBe(false);
  expect(hold.add('b', 1000 + AUDIO_HOLD_MS - 1)).toBe(false);
  expect(hold.add('c', 1000 + AUDIO_HOLD_MS)).toBe(true);
  expect(hold.take()).toEqual(['a', 'b', 'c']);
  expect(hold.take()).toEqual([]);
});

test('the wait restarts with the first item held after a take', () => {
  const hold = new AudioHold<number>();
  hold.add(1, 0);
  hold.take();
  expect(hold.add(2, 100)).toBe(false); // long after the first item, but it is gone
  expect(hold.add(3, 100 + AUDIO_HOLD_MS)).toBe(true);
});
