import pino from 'pino';
import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import type { CodecJob } from '../../../server/codec/protocol';
import type { CodecSession } from '../../../server/codec/codec-session';
import { waitFor } from '../../support/wait-for';

const silent = pino({ level: 'silent' });
const AUDIO: CodecJob = { kind: 'opus-to-aac', bitrateBps: 64_000, channels: 1 };
const VIDEO: CodecJob = { kind: 'vp8-to-h264', width: 320, height: 240, bitrateKbps: 500, preset: 'veryfast', keyframeIntervalMs: 2000 };

describe('codec sessions placed on workers', () => {
  let pool: CodecPool;
  const sessions: CodecSession[] = [];

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.close();
    await pool.close();
  });

  const perWorker = (): number[] => pool.stats().workers.map((worker) => worker.sessions);

  test('audio sessions fill one worker up to workerFillLoad before the next starts; then they spread', async () => {
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 3, workerFillLoad: 4 }, silent);
    const open = (count: number): void => {
      for (let i = 0; i < count; i++) sessions.push(pool.open(AUDIO));
    };
    open(4);
    expect(perWorker()).toEqual([4]);
    open(1);
    expect(perWorker()).toEqual([4, 1]);
    open(3);
    expect(perWorker()).toEqual([4, 4]);
    open(1);
    expect(perWorker()).toEqual([4, 4, 1]);
    open(3);
    expect(perWorker()).toEqual([4, 4, 4]);
    // Every worker full: the least loaded takes the next (the first of equals).
    open(2);
    expect(perWorker()).toEqual([5, 5, 4]);
    await waitFor('the three workers ready', () => pool.workerPids().length === 3);
  });

  test('by default one worker serves 32 audio sessions (its fixed ~90 MB is then under 3 MB per stream) before a second starts', () => {
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 2 }, silent);
    for (let i = 0; i < 32; i++) sessions.push(pool.open(AUDIO));
    expect(perWorker()).toEqual([32]);
    sessions.push(pool.open(AUDIO));
    expect(perWorker()).toEqual([32, 1]);
  });

  test('a video transcode gets a worker of its own while there is one; closing sessions makes room again', async () => {
    pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 2 }, silent);
    sessions.push(pool.open(AUDIO), pool.open(AUDIO));
    const video = pool.open(VIDEO);
    sessions.push(video);
    expect(perWorker()).toEqual([2, 1]);
    sessions.push(pool.open(AUDIO));
    expect(perWorker()).toEqual([3, 1]);
    // A second transcode: no unused worker left, so the least loaded (3 audio sessions against a transcode, a full worker's load).
    sessions.push(pool.open(VIDEO));
    expect(perWorker()).toEqual([4, 1]);
    video.close();
    expect(perWorker()).toEqual([4, 0]);
    sessions.push(pool.open(AUDIO));
    expect(perWorker()).toEqual([4, 1]);
  });
});
