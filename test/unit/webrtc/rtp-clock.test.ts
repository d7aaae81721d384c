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

  /** A publisher's two tracks, both captured at sender NTP 500,000 ms at RTP 90,000 (video) and 48,000 (audio); video arrives after 1000 ms, audio 20 ms later. */
  function publisher(): { video: RtpClock; audio: RtpClock } {
    const sender = new SenderClock();
    const video = new RtpClock(90000, sender);
    const audio = new RtpClock(48000, sender, { leads: false });
    expect(video.toUnits(video.extend(90_000), 1000) / 90).toBe(1000);
    expect(audio.toUnits(audio.extend(48_000), 1020) / 48).toBe(1020);
    return { video, audio };
  }

  test('the video moves onto the sender\'s clock without a step once two of its reports agree; the audio waits for it, then steps onto the same clock', () => {
    const { video, audio } = publisher();
    expect(audio.onSenderReport(500_000, 48_000, 1030)).toBeUndefined();
    expect(video.onSenderReport(500_000, 90_000, 1031)).toBeUndefined();
    // The audio's reports agree first, but the video fixes the clock.
    expect(audio.onSenderReport(501_000, 96_000, 2030)).toBeUndefined();
    expect(audio.synchronised).toBe(false);
    expect(video.onSenderReport(501_000, 180_000, 2031)).toBe(0);
    expect(video.synchronised).toBe(true);
    expect(video.toUnits(video.extend(90_000), 0) / 90).toBe(1000);
    // The audio's next report: onto the video's clock, 20 ms earlier than its arrival put it.
    expect(audio.onSenderReport(502_000, 144_000, 3030)).toBe(-20);
    expect(audio.toUnits(audio.extend(48_000), 0) / 48).toBe(1000);
    // Captured together, presented together; the wall clock is the sender's.
    expect(video.toUnits(video.extend(90_000 + 45_000), 0) / 90).toBe(audio.toUnits(audio.extend(48_000 + 24_000), 0) / 48);
    expect(video.wallClock(video.toUnits(video.extend(90_000), 0))).toBeCloseTo(500_000 - 2_208_988_800_000, 6);
  });

  test('an audio report off by a capture stall right after it is never used: the two after it agree', () => {
    const { video, audio } = publisher();
    video.onSenderReport(500_000, 90_000, 1031);
    expect(video.onSenderReport(501_000, 180_000, 2031)).toBe(0);
    expect(audio.onSenderReport(500_000, 48_000, 1030)).toBeUndefined();
    // The audio's RTP clock then falls 217 ms behind its NTP clock, and stays there.
    expect(audio.onSenderReport(505_000, 48_000 + 5 * 48_000 - 217 * 48, 6030)).toBeUndefined();
    expect(audio.synchronised).toBe(false);
    expect(audio.onSenderReport(510_000, 48_000 + 10 * 48_000 - 217 * 48, 11_030)).toBe(197);
    // A packet captured at NTP 510,000 ms is 10 s after the first pictures (1000 ms on the stream clock).
    expect(audio.toUnits(audio.extend(48_000 + 10 * 48_000 - 217 * 48), 0) / 48).toBe(11_000);
  });

  test('a publisher without video: its audio leads, and moves onto the sender\'s clock without a step', () => {
    const clock = new RtpClock(48000, new SenderClock());
    expect(clock.toUnits(clock.extend(48_000), 1000) / 48).toBe(1000);
    expect(clock.onSenderReport(10_000, 48_000, 1000)).toBeUndefined();
    expect(clock.onSenderReport(11_000, 96_000, 2000)).toBe(0);
    expect(clock.synchronised).toBe(true);
    expect(clock.toUnits(clock.extend(96_000), 0) / 48).toBe(2000);
  });

  test('once on the sender\'s clock, reports near the mapping or one outlier change nothing; a step two reports confirm is followed', () => {
    const clock = new RtpClock(90000, new SenderClock());
    expect(clock.onSenderReport(10_000, 0, 100)).toBeUndefined();
    expect(clock.onSenderReport(11_000, 90_000, 1100)).toBe(0);
    const at = (rtp: number): number => clock.toUnits(clock.extend(rtp), 0);
    const before = at(180_000);
    // Jitter below SAME_MAPPING_MS, then a single report 500 ms off.
    expect(clock.onSenderReport(12_010, 180_000, 2100)).toBeUndefined();
    expect(clock.onSenderReport(13_500, 270_000, 3100)).toBeUndefined();
    expect(clock.onSenderReport(14_000, 360_000, 4100)).toBeUndefined();
    expect(at(180_000)).toBe(before);
    // The RTP clock steps 100 ms back against the NTP clock, and two reports say so.
    expect(clock.onSenderReport(15_000, 450_000 - 9000, 5100)).toBeUndefined();
    expect(clock.onSenderReport(16_000, 540_000 - 9000, 6100)).toBe(100);
    expect(at(180_000)).toBe(before + 9000);
  });

  test('before a sender report the wall clock is the gateway\'s', () => {
    const clock = new RtpClock(1000, new SenderClock());
    const units = clock.toUnits(clock.extend(5), 250);
    expect(clock.wallClock(units)).toBeCloseTo(performance.timeOrigin + 250, 6);
  });
});
