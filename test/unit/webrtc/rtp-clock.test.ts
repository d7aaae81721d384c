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

  test('before a sender report, time is anchored on the first packet arrival', () => {
    const clock = new RtpClock(90000, new SenderClock());
    expect(clock.toMs(clock.extend(900_000), 5000)).toBe(5000);
    expect(clock.toMs(clock.extend(990_000), 5100)).toBe(6000);
    expect(clock.synchronised).toBe(false);
  });

  test('sender reports put audio and video on one timeline whatever their RTP offsets', () => {
    const sender = new SenderClock();
    const video = new RtpClock(90000, sender);
    const audio = new RtpClock(48000, sender);
    // Both tracks captured at sender NTP 1,000,000 ms, with unrelated random RTP starts.
    video.onSenderReport(1_000_000, 123_456, 200);
    audio.onSenderReport(1_000_000, 9_999_000, 210);
    // 0.5 s later on both clocks.
    const videoMs = video.toMs(video.extend(123_456 + 45_000), 720);
    const audioMs = audio.toMs(audio.extend(9_999_000 + 24_000), 705);
    expect(videoMs).toBeCloseTo(audioMs, 6);
    expect(videoMs).toBeCloseTo(700, 6);
    expect(video.synchronised && audio.synchronised).toBe(true);
  });

  test('only the first sender report changes the mapping: no jumps later', () => {
    const clock = new RtpClock(48000, new SenderClock());
    clock.onSenderReport(10_000, 48_000, 100);
    const before = clock.toMs(clock.extend(96_000), 1200);
    clock.onSenderReport(99_999, 48_000, 100);
    expect(clock.toMs(clock.extend(96_000), 1200)).toBe(before);
  });
});
