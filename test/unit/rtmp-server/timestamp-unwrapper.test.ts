import { TimestampUnwrapper } from '../../../server/rtmp/server/timestamp-unwrapper';

describe('TimestampUnwrapper', () => {
  test('passes the first timestamp through, then follows signed 32-bit steps across the wrap', () => {
    const clock = new TimestampUnwrapper();
    expect([0xfffffff0, 0xfffffffa, 0x00000004, 0x00000002, 0x00000100].map((t) => clock.unwrap(t))).toEqual([
      0xfffffff0, 0xfffffffa, 0x100000004, 0x100000002, 0x100000100,
    ]);
  });
});
