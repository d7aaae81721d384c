import pino from 'pino';
import { CODEC_POOL_DEFAULTS, CodecPool } from '../../../server/codec/codec-pool';
import { EndReasons } from '../../../server/hub/end-reason';
import { HubStream } from '../../../server/hub/stream';
import type { AacParams } from '../../../server/hub/track';
import { parseAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { BatchTicker } from '../../../server/transcode/batch-ticker';
import { waitFor } from '../../support/wait-for';
import { aacFromOpus, type AacFromOpusOptions } from '../../../server/transcode/aac-from-opus';

const silent = pino({ level: 'silent' });
/** A worker starts only for the test that writes an Opus frame. */
const pool = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: 1 }, silent);

/** The AAC track a reader of `aac` gets from a stream whose Opus track has `opusChannels`. */
function derivedAac(opusChannels: number, channels: AacFromOpusOptions['channels']): AacParams {
  const stream = new HubStream('s', { kind: 'webrtc', mediaSessionId: 's', requestKeyframe: () => undefined }, [aacFromOpus({ pool, bitrateBps: 128_000, batches: new BatchTicker(60), channels })], silent);
  stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: opusChannels } });
  const reader = stream.addReader({ label: 'test', codecs: ['aac'], fromCache: false, limits: { maxBytes: 1 << 20, maxMs: 1000 } });
  const track = stream.tracks.find((t) => t.codec === 'aac');
  reader.close();
  stream.close(EndReasons.publisherStop);
  expect(track?.params?.codec).toBe('aac');
  return track!.params as AacParams;
}

afterAll(() => pool.close());

describe('aacFromOpus channels', () => {
  test.each([
    [1, 'auto', 1],
    [2, 'auto', 2],
    [1, 2, 2],
    [2, 1, 1],
  ] as const)('Opus with %i channel(s), aac_channels=%s: AAC-LC 48 kHz with %i, its AudioSpecificConfig saying the same', (opusChannels, setting, expected) => {
    const params = derivedAac(opusChannels, setting);
    expect(params).toMatchObject({ sampleRate: 48000, channels: expected });
    expect(parseAudioSpecificConfig(params.config)).toMatchObject({ sampleRate: 48000, channels: expected });
  });

  test('the codec session gets aac_bitrate for stereo and half of it for mono', async () => {
    const open = jest.spyOn(pool, 'open');
    for (const opusChannels of [2, 1]) {
      const stream = new HubStream('s', { kind: 'webrtc', mediaSessionId: 's', requestKeyframe: () => undefined }, [aacFromOpus({ pool, bitrateBps: 128_000, batches: new BatchTicker(60), channels: 'auto' })], silent);
      const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: opusChannels } });
      stream.addReader({ label: 'test', codecs: ['aac'], fromCache: false, limits: { maxBytes: 1 << 20, maxMs: 1000 } });
      // One 20 ms CELT packet: the derivation's first input opens its codec session.
      stream.write({ track: opus, pts: 0, dts: 0, keyframe: true, data: Buffer.from([0xfc]), wallClock: Date.now(), receivedAt: performance.now() });
      const calls = open.mock.calls.length;
      await waitFor('the codec session to open', () => open.mock.calls.length > calls, 5000);
      stream.close(EndReasons.publisherStop);
    }
    expect(open.mock.calls.map(([job]) => job)).toEqual([
      { kind: 'opus-to-aac', bitrateBps: 128_000, channels: 2 },
      { kind: 'opus-to-aac', bitrateBps: 64_000, channels: 1 },
    ]);
  });

  test('auto: when the Opus track turns stereo, the AAC track follows and a stereo session replaces the mono one', async () => {
    const open = jest.spyOn(pool, 'open');
    const before = open.mock.calls.length;
    const stream = new HubStream('s', { kind: 'webrtc', mediaSessionId: 's', requestKeyframe: () => undefined }, [aacFromOpus({ pool, bitrateBps: 128_000, batches: new BatchTicker(60), channels: 'auto' })], silent);
    const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: 1 } });
    stream.addReader({ label: 'test', codecs: ['aac'], fromCache: false, limits: { maxBytes: 1 << 20, maxMs: 1000 } });
    const aac = stream.tracks.find((t) => t.codec === 'aac')!;
    const write = (pts: number): void => stream.write({ track: opus, pts, dts: pts, keyframe: true, data: Buffer.from([0xfc]), wallClock: Date.now(), receivedAt: performance.now() });
    write(0);
    await waitFor('the mono session', () => open.mock.calls.length === before + 1, 5000);
    expect(aac.params).toMatchObject({ channels: 1 });
    stream.setParams(opus, { codec: 'opus', channels: 2 });
    write(960);
    await waitFor('the stereo session', () => open.mock.calls.length === before + 2, 5000);
    expect(aac.params).toMatchObject({ channels: 2 });
    expect(parseAudioSpecificConfig((aac.params as AacParams).config)).toMatchObject({ channels: 2 });
    expect(open.mock.calls.slice(before).map(([job]) => job)).toEqual([
      { kind: 'opus-to-aac', bitrateBps: 64_000, channels: 1 },
      { kind: 'opus-to-aac', bitrateBps: 128_000, channels: 2 },
    ]);
    stream.close(EndReasons.publisherStop);
  });

  test('auto: a source that turned stereo while no deriver ran (the made track lingers without readers) gets stereo AAC parameters from the next deriver', async () => {
    // Only the hub's linger timer is faked; reader delivery (setImmediate) runs for real.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance'] });
    try {
      const stream = new HubStream('s', { kind: 'webrtc', mediaSessionId: 's', requestKeyframe: () => undefined }, [aacFromOpus({ pool, bitrateBps: 128_000, batches: new BatchTicker(60), channels: 'auto' })], silent);
      const opus = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels: 1 } });
      const limits = { maxBytes: 1 << 20, maxMs: 1000 };
      stream.addReader({ label: 'first', codecs: ['aac'], fromCache: false, limits }).close();
      const aac = stream.tracks.find((t) => t.codec === 'aac')!;
      jest.advanceTimersByTime(10_000); // the first deriver stops; the made track stays
      stream.setParams(opus, { codec: 'opus', channels: 2 });
      expect(aac.params).toMatchObject({ channels: 1 });
      stream.addReader({ label: 'second', codecs: ['aac'], fromCache: false, limits });
      stream.write({ track: opus, pts: 0, dts: 0, keyframe: true, data: Buffer.from([0xfc]), wallClock: Date.now(), receivedAt: performance.now() });
      await new Promise((resolve) => setImmediate(resolve));
      expect(aac.params).toMatchObject({ channels: 2 });
      stream.close(EndReasons.publisherStop);
    } finally {
      jest.useRealTimers();
    }
  });
});
