import { IngestMeter } from '../../../server/hub/ingest-meter';

/** A meter on a clock the test moves, ms. */
function meterAt(start: number) {
  let now = start;
  const meter = new IngestMeter(() => now);
  return { meter, advance: (ms: number) => (now += ms) };
}

describe('IngestMeter', () => {
  test('counts bytes and frames by kind since the start', () => {
    const { meter, advance } = meterAt(10_000);
    meter.add('video', 1000);
    meter.add('audio', 200);
    advance(40);
    meter.add('video', 500);
    expect(meter.counts()).toMatchObject({ bytes: 1700, videoFrames: 2, audioFrames: 1 });
  });

  test('a steady stream has its bitrate and frame rate over the last few seconds', () => {
    const { meter, advance } = meterAt(10_000);
    // 25 fps of 5000-byte pictures (1 Mbit/s) and 50 audio frames of 250 bytes (100 kbit/s), for 8 s.
    for (let ms = 0; ms < 8000; ms += 20) {
      if (ms % 40 === 0) meter.add('video', 5000);
      meter.add('audio', 250);
      advance(20);
    }
    const { bitrate, fps } = meter.counts();
    expect(bitrate).toBeGreaterThan(1_050_000);
    expect(bitrate).toBeLessThan(1_150_000);
    expect(fps).toBeGreaterThan(24);
    expect(fps).toBeLessThan(26);
  });

  test('the rate covers only the time since the start for a young stream, and falls to 0 once the frames stop', () => {
    const { meter, advance } = meterAt(10_500);
    expect(meter.counts()).toMatchObject({ bitrate: 0, fps: 0 });
    for (let i = 0; i < 10; i++) {
      meter.add('video', 1250); // 10 kbit per 100 ms: 100 kbit/s
      advance(100);
    }
    expect(meter.counts().bitrate).toBe(100_000);
    expect(meter.counts().fps).toBe(10);
    advance(6000);
    expect(meter.counts()).toMatchObject({ bitrate: 0, fps: 0, bytes: 12_500, videoFrames: 10 });
  });
});
