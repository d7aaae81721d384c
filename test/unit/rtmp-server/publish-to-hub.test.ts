import pino from 'pino';
import { EndReasons, type EndReason } from '../../../server/hub/end-reason';
import type { Frame } from '../../../server/hub/frame';
import type { Codec } from '../../../server/hub/track';
import { StreamNameInUseError } from '../../../server/paths/stream-name-in-use';
import { H264FormatError } from '../../../server/media/h264/h264-format-error';
import { AacFormatError } from '../../../server/media/aac/aac-format-error';
import { AmfEcmaArray } from '../../../server/rtmp/protocol/amf0';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import { buildAvcNalu } from '../../../server/rtmp/protocol/flv';
import { dataMessage, MessageType } from '../../../server/rtmp/protocol/messages';
import { RtmpIngest } from '../../../server/rtmp/server/publish-to-hub';
import { collectFrames, readersDrained } from '../../support/hub-readers';
import { TestPaths } from '../../support/test-paths';
import { aacFrame, aacSequenceHeader, ASC_44100_MONO, avcFrame, avcSequenceHeader, IDR_AVCC, mediaMessage, PPS_320X240, SPS_320X240 } from './fixtures';

const silent = pino({ level: 'silent' });

/** An ingest with a reader of `codecs` collecting what the hub gets; `hubClosed` records ends from the hub's side. */
function ingestWithReader(name = 'key', codecs: readonly Codec[] = ['h264', 'aac']): { ingest: RtmpIngest; frames: Frame[]; paths: TestPaths; hubClosed: EndReason[] } {
  const paths = new TestPaths();
  const hubClosed: EndReason[] = [];
  const ingest = new RtmpIngest(paths, name, 'session-1', silent, (reason) => hubClosed.push(reason));
  const { frames } = collectFrames(ingest.stream, { codecs });
  return { ingest, frames, paths, hubClosed };
}

/** [kind, codec, parameters known] of each track of the ingest's stream. */
function tracksOf(ingest: RtmpIngest): Array<[string, string, boolean]> {
  return ingest.stream.tracks.map((t) => [t.kind, t.codec, t.params !== undefined]);
}

function metadata(properties: Record<string, number | string>) {
  return dataMessage(['@setDataFrame', 'onMetaData', new AmfEcmaArray(properties)], { chunkStreamId: 8, messageStreamId: 1 });
}

describe('RtmpIngest', () => {
  test('registers the stream key in the hub as an RTMP source with an H.264 and an AAC track; a second publisher of the name is refused', () => {
    const { ingest, paths } = ingestWithReader('cam1');
    expect(paths.stream('cam1')).toBe(ingest.stream);
    expect(ingest.stream.source).toMatchObject({ kind: 'rtmp', mediaSessionId: 'session-1' });
    expect(tracksOf(ingest)).toEqual([['video', 'h264', false], ['audio', 'aac', false]]);
    expect(ingest.stream.tracks.map((t) => t.timescale)).toEqual([1000, 1000]);
    expect(() => new RtmpIngest(paths, 'cam1', 'session-2', silent, () => undefined)).toThrow(StreamNameInUseError);
  });

  test('sequence headers become track parameters; frames pass through without a copy, on one ms clock', async () => {
    const { ingest, frames } = ingestWithReader();
    ingest.handle(avcSequenceHeader());
    ingest.handle(aacSequenceHeader());
    expect(ingest.stream.video?.params).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    const video = ingest.stream.video!.params as { sps: Buffer; pps: Buffer };
    expect(video.sps.equals(SPS_320X240)).toBe(true);
    expect(video.pps.equals(PPS_320X240)).toBe(true);
    expect(ingest.stream.audio?.params).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1 });
    expect((ingest.stream.audio!.params as { config: Buffer }).config.equals(ASC_44100_MONO)).toBe(true);

    const video0 = avcFrame(0, true);
    ingest.handle(video0);
    ingest.handle(aacFrame(10));
    await readersDrained();
    expect(frames).toEqual([
      expect.objectContaining({ track: ingest.stream.video, dts: 0, pts: 0, keyframe: true }),
      expect.objectContaining({ track: ingest.stream.audio, dts: 10, pts: 10, keyframe: true }),
    ]);
    // The wall clock follows the timestamps from the first frame's arrival.
    expect(frames[1]!.wallClock - frames[0]!.wallClock).toBe(10);
    const data = (frames[0] as { data: Buffer }).data;
    expect(data.equals(IDR_AVCC)).toBe(true);
    expect(data.buffer).toBe(video0.payload.buffer);
  });

  test('B-frames keep their composition time offset: pts = dts + cts, in decode order', async () => {
    const { ingest, frames } = ingestWithReader();
    ingest.handle(avcSequenceHeader());
    // I P B B as an encoder sends them: dts 0 40 80 120, pts 80 200 120 160.
    ingest.handle(avcFrame(0, true, 80));
    ingest.handle(avcFrame(40, false, 160));
    ingest.handle(avcFrame(80, false, 40));
    ingest.handle(avcFrame(120, false, 40));
    await readersDrained();
    expect(frames.map((f) => [f.dts, f.pts])).toEqual([[0, 80], [40, 200], [80, 120], [120, 160]]);
  });

  test('frames before their sequence header, empty bodies and other codecs are dropped', async () => {
    const { ingest, frames } = ingestWithReader();
    ingest.handle(avcFrame(0, true));
    ingest.handle(aacFrame(0));
    ingest.handle(mediaMessage(MessageType.VIDEO, 0, Buffer.alloc(0)));
    ingest.handle(mediaMessage(MessageType.VIDEO, 0, Buffer.from([0x12, 0x00, 0x01]))); // Sorenson H.263 keyframe
    ingest.handle(mediaMessage(MessageType.AUDIO, 0, Buffer.from([0x2f, 0xff, 0xfb]))); // MP3
    ingest.handle(mediaMessage(MessageType.VIDEO, 0, Buffer.concat([Buffer.from([0x90]), Buffer.from('68766331', 'hex')]))); // Enhanced RTMP (HEVC)
    await readersDrained();
    expect(frames).toEqual([]);
  });

  test('2-byte NAL lengths from the decoder configuration are converted to the 4-byte form the hub uses', async () => {
    const { ingest, frames } = ingestWithReader();
    const record = Buffer.concat([Buffer.from([1, 0x42, 0xc0, 0x0d, 0xfd, 0xe1]), Buffer.from([0, SPS_320X240.length]), SPS_320X240, Buffer.from([1, 0, PPS_320X240.length]), PPS_320X240]);
    ingest.handle(mediaMessage(MessageType.VIDEO, 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), record])));
    ingest.handle(mediaMessage(MessageType.VIDEO, 0, buildAvcNalu(true, Buffer.from('0003658884', 'hex'))));
    await readersDrained();
    expect(frames[0]!.data.equals(IDR_AVCC)).toBe(true);
  });

  test('an audio-only onMetaData removes the video track and tells the readers; only the first onMetaData counts', () => {
    const { ingest } = ingestWithReader();
    const told = jest.fn();
    ingest.stream.on('tracks', told);
    ingest.handle(metadata({ audiocodecid: 10, audiosamplerate: 44100 }));
    expect(tracksOf(ingest)).toEqual([['audio', 'aac', false]]);
    ingest.handle(metadata({ videocodecid: 7, audiocodecid: 10 }));
    expect(ingest.hasVideo).toBe(false);
    expect(told).toHaveBeenCalledTimes(1);
  });

  describe('without onMetaData', () => {
    let now = 0;
    beforeEach(() => {
      now = 0;
      jest.spyOn(performance, 'now').mockImplementation(() => now);
    });
    afterEach(() => jest.restoreAllMocks());

    test('audio that flows for 2 s with no video makes the stream audio-only, and the readers are told', async () => {
      const { ingest, frames } = ingestWithReader();
      const told = jest.fn();
      ingest.stream.on('tracks', told);
      ingest.handle(aacSequenceHeader());
      for (; now < 2000; now += 23) ingest.handle(aacFrame(now));
      expect(ingest.hasVideo).toBe(true);
      expect(told).not.toHaveBeenCalled();
      ingest.handle(aacFrame(now));
      expect(tracksOf(ingest)).toEqual([['audio', 'aac', true]]);
      expect(told).toHaveBeenCalledTimes(1);
      ingest.handle(aacFrame(now + 23));
      expect(told).toHaveBeenCalledTimes(1);
      await readersDrained();
      // The reader waited for a video keyframe while the stream had video; audio alone starts anywhere.
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((f) => f.track.kind === 'audio')).toBe(true);
    });

    test('a publisher that has sent any video keeps its video track, however long the audio runs alone', () => {
      const { ingest } = ingestWithReader();
      ingest.handle(avcSequenceHeader());
      ingest.handle(aacSequenceHeader());
      for (; now < 5000; now += 23) ingest.handle(aacFrame(now));
      expect(ingest.hasVideo).toBe(true);
    });
  });

  test('onMetaData with FourCC codec ids (some encoders) counts as H.264 and AAC', () => {
    const { ingest } = ingestWithReader();
    ingest.handle(metadata({ videocodecid: 'avc1', audiocodecid: 'mp4a' }));
    expect(tracksOf(ingest)).toEqual([['video', 'h264', false], ['audio', 'aac', false]]);
  });

  test('32-bit timestamps that wrap keep increasing', async () => {
    const { ingest, frames } = ingestWithReader('key', ['aac']);
    ingest.handle(aacSequenceHeader());
    ingest.handle(aacFrame(0xffffffe0));
    ingest.handle(aacFrame(0x00000003));
    await readersDrained();
    expect(frames.map((f) => f.pts)).toEqual([0xffffffe0, 0xffffffe0 + 0x23]);
  });

  test.each([
    ['a truncated AVC header', mediaMessage(MessageType.VIDEO, 0, Buffer.from([0x17, 0x01])), RtmpProtocolError, 'FLV_TRUNCATED'],
    ['an AAC body without packet type', mediaMessage(MessageType.AUDIO, 0, Buffer.from([0xaf])), RtmpProtocolError, 'FLV_TRUNCATED'],
    ['a cut decoder configuration record', mediaMessage(MessageType.VIDEO, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x42])), H264FormatError, 'DECODER_CONFIG_TRUNCATED'],
    ['a record whose SPS is not an SPS', mediaMessage(MessageType.VIDEO, 0, Buffer.from('1700000000014242c0ffe100026501010001680a', 'hex')), H264FormatError, 'NOT_SPS'],
    ['an empty AudioSpecificConfig', mediaMessage(MessageType.AUDIO, 0, Buffer.from([0xaf, 0x00])), AacFormatError, 'ASC_TRUNCATED'],
    ['undecodable AMF in a data message', { ...dataMessage(['onMetaData'], { chunkStreamId: 8, messageStreamId: 1 }), payload: Buffer.from([0x02, 0x00, 0x09, 0x6f]) }, RtmpProtocolError, 'AMF_TRUNCATED'],
  ])('%s throws its typed error, never a RangeError or TypeError', (_what, message, errorClass, code) => {
    const { ingest } = ingestWithReader();
    let thrown: unknown;
    try {
      ingest.handle(message);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(errorClass);
    expect((thrown as { code: string }).code).toBe(code);
  });

  test('close() ends the hub stream with the reason and frees the name; only an end from the hub side is reported back', () => {
    const { ingest, paths, hubClosed } = ingestWithReader('gone');
    const reasons: EndReason[] = [];
    ingest.stream.on('close', (reason) => reasons.push(reason));
    ingest.close(EndReasons.publisherStop);
    expect(reasons).toEqual([EndReasons.publisherStop]);
    expect(paths.stream('gone')).toBeUndefined();
    expect(hubClosed).toEqual([]);

    const other = ingestWithReader('other');
    other.ingest.stream.close(EndReasons.shutdown);
    expect(other.hubClosed).toEqual([EndReasons.shutdown]);
  });
});
