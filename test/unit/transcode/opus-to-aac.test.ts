import pino from 'pino';
import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import { BatchTicker } from '../../../server/transcode/batch-ticker';
import { OpusToAacTranscoder, type TranscodedAac } from '../../../server/transcode/opus-to-aac';
import { opusTonePackets } from '../../support/opus-tone';

const FFMPEG_TIMEOUT_MS = 20_000;
/** Samples of one AAC frame: its duration in 48 kHz units. */
const AAC_FRAME = 1024;

/** One codec worker for the whole file, as the gateway would have. */
let pool: CodecPool;

/** Feeds packets (960 units apart from `firstPts`, skipping `lost` indexes) and collects every AAC frame. */
async function transcode(packets: Buffer[], firstPts: number, lost = new Set<number>(), batchMs = 60): Promise<TranscodedAac[]> {
  const transcoder = new OpusToAacTranscoder({ pool, bitrateBps: 128_000, channels: 2, batches: new BatchTicker(batchMs) });
  const frames: TranscodedAac[] = [];
  transcoder.on('frame', (frame) => frames.push(frame));
  packets.forEach((packet, i) => {
    if (!lost.has(i)) transcoder.push(packet, firstPts + i * 960, i * 20, 1_700_000_000_000 + i * 20);
  });
  // Every packet is in; the encoder keeps ~2 frames of lookahead until its input ends, which
  // close() does not give it: wait for the frames that the input allows.
  const expected = Math.floor((packets.length * 960) / 1024) - 2;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${expected} frames`)), FFMPEG_TIMEOUT_MS);
      transcoder.on('frame', () => {
        if (frames.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    transcoder.close();
  }
  return frames;
}

describe('OpusToAacTranscoder', () => {
  let packets: Buffer[];

  beforeAll(async () => {
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1 }, pino({ level: 'silent' }));
    packets = await opusTonePackets(3);
  });

  afterAll(() => pool.close());

  test('frame k carries input samples from (k-1)·1024: times follow the input clock exactly, with arrival and wall clock', async () => {
    const firstPts = 1_000_000;
    const frames = await transcode(packets, firstPts);
    expect(frames[0]!.pts).toBe(firstPts - AAC_FRAME);
    frames.forEach((frame, k) => expect(frame.pts).toBe(firstPts + (k - 1) * AAC_FRAME));
    expect(frames.every((f) => f.data.length > 0)).toBe(true);
    // The last frame ends at input sample k·1024: the packet that completed it arrived at (its index)·20 ms.
    const k = frames.length - 1;
    const completing = Math.ceil((k * AAC_FRAME) / 960) - 1;
    expect(frames[k]).toMatchObject({ receivedAt: completing * 20, wallClock: 1_700_000_000_000 + completing * 20 });
  });

  test('lost packets are concealed: no frame goes missing and the spacing stays exact', async () => {
    const lost = new Set([10, 11, 12, 40, 100]);
    const frames = await transcode(packets, 0, lost);
    frames.forEach((frame, k) => expect(frame.pts).toBe((k - 1) * AAC_FRAME));
  });

  test('packets that arrive between two ticks of the batch clock are written at the next (a source that pauses loses nothing)', async () => {
    // 8 packets (160 ms), pushed at once, wait for the 200 ms tick: nothing else hands them to the worker.
    // The encoder's lookahead makes the exact count vary by one; every frame the input allows must come.
    const frames = await transcode(packets.slice(0, 8), 0, new Set(), 200);
    expect(frames.length).toBeGreaterThanOrEqual(Math.floor((8 * 960) / 1024) - 2);
    frames.forEach((frame, k) => expect(frame.pts).toBe((k - 1) * AAC_FRAME));
  });

  test('without batching (20 ms) the timestamps are the same', async () => {
    const frames = await transcode(packets.slice(0, 50), 0, new Set(), 20);
    frames.forEach((frame, k) => expect(frame.pts).toBe((k - 1) * AAC_FRAME));
  });

  test('a clock that steps back (a track\'s first RTCP sender report) keeps the audio continuous: the frames made after it follow the new clock', async () => {
    let step = 0;
    const transcoder = new OpusToAacTranscoder({ pool, bitrateBps: 128_000, channels: 2, batches: new BatchTicker(60) });
    const frames: Array<{ pts: number; stepWhenMade: number }> = [];
    const enough = (count: number): Promise<void> =>
      new Promise((resolve) => transcoder.on('frame', () => frames.length >= count && resolve()));
    transcoder.on('frame', (frame) => frames.push({ pts: frame.pts, stepWhenMade: step }));
    const first = enough(20);
    packets.slice(0, 60).forEach((packet, i) => transcoder.push(packet, i * 960, 0, 0));
    await first;
    step = -12_000; // the sender report moved this stream's clock back by 250 ms
    const rest = enough(100);
    packets.slice(60, 120).forEach((packet, i) => transcoder.push(packet, (60 + i) * 960 + step, 0, 0));
    await rest;
    transcoder.close();
    expect(frames.filter((f) => f.stepWhenMade === step).length).toBeGreaterThan(40);
    // No frame was dropped or repeated: frame k is sample (k-1)·1024 on the clock of its time.
    frames.forEach((frame, k) => expect(frame.pts).toBe((k - 1) * AAC_FRAME + frame.stepWhenMade));
  });
});
