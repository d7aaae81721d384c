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

  test('sender reports put audio and video on one clock whatever their RTP offsets, from the first report of each', () => {
    const sender = new SenderClock();
    const video = new RtpClock(90000, sender);
    const audio = new RtpClock(48000, sender);
    // Both tracks captured at sender NTP 1,000,000 ms, with unrelated random RTP starts; a second report 1 s later.
    expect(video.onSenderReport(1_000_000, 123_456, 200)).toBe(0);
    expect(audio.onSenderReport(1_000_000, 9_999_000, 210)).toBe(0);
    expect(video.synchronised && audio.synchronised).toBe(true);
    expect(video.onSenderReport(1_001_000, 123_456 + 90_000, 1201)).toBeUndefined();
    expect(audio.onSenderReport(1_001_000, 9_999_000 + 48_000, 1203)).toBeUndefined();
    // 0.5 s after the first report on both clocks.
    const videoMs = video.toUnits(video.extend(123_456 + 45_000), 720) / 90;
    const audioMs = audio.toUnits(audio.extend(9_999_000 + 24_000), 705) / 48;
    expect(videoMs).toBeCloseTo(audioMs, 1);
    expect(videoMs).toBeCloseTo(700, 1);
    // The wall clock is the sender's: NTP 1,000,500 ms since 1900.
    expect(video.wallClock(video.toUnits(video.extend(123_456 + 45_000), 720))).toBeCloseTo(1_000_500 - 2_208_988_800_000, 1);
  });

  test('the first report moves the track off its arrival anchor by the sender\'s encoding delay', () => {
    // The first picture arrives at 1000 ms; the report says it was captured 55 ms before that (NTP 0 is local 0).
    const sender = new SenderClock();
    sender.ntpToLocal = 0;
    const track = new RtpClock(90000, sender);
    track.toUnits(track.extend(90_000), 1000);
    expect(track.onSenderReport(945, 90_000, 1001)).toBeCloseTo(-55, 6);
    expect(track.toUnits(track.extend(90_000), 1002) / 90).toBeCloseTo(945, 6);
  });

  test('a first report that the next one contradicts gives way to it, and the one after confirms (a capture stall right after it)', () => {
    const clock = new RtpClock(48000, new SenderClock());
    clock.toUnits(clock.extend(48_000), 1000);
    expect(clock.onSenderReport(10_000, 48_000, 1000)).toBe(0);
    // The RTP clock then falls 217 ms behind the NTP clock, and stays there.
    expect(clock.onSenderReport(15_000, 48_000 + 5 * 48_000 - 217 * 48, 6000)).toBe(217);
    expect(clock.onSenderReport(20_000, 48_000 + 10 * 48_000 - 217 * 48, 11_000)).toBeUndefined();
    // A packet captured at NTP 20,000 ms is 10 s after the first report's 10,000 ms on the stream clock.
    expect(clock.toUnits(clock.extend(48_000 + 10 * 48_000 - 217 * 48), 11_050) / 48 - 1000).toBeCloseTo(10_000, 0);
  });

  test('once a report confirms the mapping, reports that agree with it or one outlier change nothing; a step two reports confirm is followed', () => {
    const clock = new RtpClock(90000, new SenderClock());
    expect(clock.onSenderReport(10_000, 0, 100)).toBe(0);
    expect(clock.onSenderReport(11_000, 90_000, 1100)).toBeUndefined();
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
