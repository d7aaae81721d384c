import { RtpClock, SenderClock } from '../../../server/webrtc/rtp-clock';

describe('RtpClock', () => {
  test('extends 32-bit timestamps across the wrap, in both directions', () => {
    const clock = new RtpClock(90000, new SenderClock());
    expect(clock.extend(0xffff_ff00)).toBe(0xffff_ff00);
    expect(clock.extend(0x0000_0100)).toBe(0x1_0000_0100);
    // A late packet from before the wrap maps back below it.
    expect(clock.extend(0xffff_ff80)).toBe(0xffff_ff80);
    expect(clock.extend(0x0000_0200)).toBe(0x1_0000_0200);
  });

  test('before a sender report, time is anchored on the first packet arrival, in whole track units', () => {
    const clock = new RtpClock(90000, new SenderClock());
    expect(clock.toUnits(clock.extend(900_000), 5000)).toBe(450_000);
    expect(clock.toUnits(clock.extend(990_000), 5100)).toBe(540_000); // 1 s later by RTP, whatever the arrival
    expect(clock.synchronised).toBe(false);
  });

  test('sender reports put audio and video on one clock whatever their RTP offsets', () => {
    const sender = new SenderClock();
    const video = new RtpClock(90000, sender);
    const audio = new RtpClock(48000, sender);
    // Both tracks captured at sender NTP 1,000,000 ms, with unrelated random RTP starts.
    video.onSenderReport(1_000_000, 123_456, 200);
    audio.onSenderReport(1_000_000, 9_999_000, 210);
    // 0.5 s later on both clocks.
    const videoMs = video.toUnits(video.extend(123_456 + 45_000), 720) / 90;
    const audioMs = audio.toUnits(audio.extend(9_999_000 + 24_000), 705) / 48;
    expect(videoMs).toBeCloseTo(audioMs, 1);
    expect(videoMs).toBeCloseTo(700, 1);
    expect(video.synchronised && audio.synchronised).toBe(true);
    // The wall clock is the sender's: NTP 1,000,500 ms since 1900.
    expect(video.wallClock(video.toUnits(video.extend(123_456 + 45_000), 720))).toBeCloseTo(1_000_500 - 2_208_988_800_000, 1);
  });

  test('only the first sender report changes the mapping: no jumps later', () => {
    const clock = new RtpClock(48000, new SenderClock());
    clock.onSenderReport(10_000, 48_000, 100);
    const before = clock.toUnits(clock.extend(96_000), 1200);
    clock.onSenderReport(99_999, 48_000, 100);
    expect(clock.toUnits(clock.extend(96_000), 1200)).toBe(before);
  });

  test('before a sender report the wall clock is the gateway\'s', () => {
    const clock = new RtpClock(1000, new SenderClock());
    const units = clock.toUnits(clock.extend(5), 250);
    expect(clock.wallClock(units)).toBeCloseTo(performance.timeOrigin + 250, 6);
  });
});
