import type { Frame } from '../../../server/hub/frame';
import type { Track } from '../../../server/hub/track';
import { AacPacketType, AvcPacketType, parseAudioTagBody, parseVideoTagBody } from '../../../server/rtmp/protocol/flv';
import { payloadToBuffer, type Payload } from '../../../server/rtmp/protocol/payload';
import { FlvMuxer, streamMetadata, type StreamMetadata } from '../../../server/sinks/flv-muxer';
import { aacParams, frameOf, track } from '../../support/media-frames';
import { ASC_44100_MONO, IDR_AVCC, P_AVCC, PPS_320X240, SPS_320X240 } from '../rtmp-server/fixtures';

const VIDEO_PARAMS = { codec: 'h264', sps: SPS_320X240, pps: PPS_320X240, width: 320, height: 240 } as const;
const AUDIO_PARAMS = aacParams(ASC_44100_MONO, 44100, 1);

/** A muxer writing into arrays; `writes` counts the batches (socket writes). */
function harness(video: Track | undefined, audio: Track | undefined) {
  const sent: { track: 'video' | 'audio'; ts: number; body: Buffer; write: number }[] = [];
  const metadata: StreamMetadata[] = [];
  const latencies: string[] = [];
  let writes = 0;
  const muxer = new FlvMuxer({
    sendVideo: (ts: number, body: Payload) => sent.push({ track: 'video', ts, body: payloadToBuffer(body), write: writes }),
    sendAudio: (ts: number, body: Payload) => sent.push({ track: 'audio', ts, body: payloadToBuffer(body), write: writes }),
    sendMetadata: (meta) => metadata.push(meta),
    batch: (sends) => {
      writes++;
      sends();
    },
  }, (kind) => latencies.push(kind));
  muxer.announce({ video, audio });
  const videoBodies = () => sent.filter((s) => s.track === 'video').map((s) => ({ ts: s.ts, ...parseVideoTagBody(s.body) }));
  const audioBodies = () => sent.filter((s) => s.track === 'audio').map((s) => ({ ts: s.ts, write: s.write, ...parseAudioTagBody(s.body) }));
  return { muxer, sent, metadata, latencies, videoBodies, audioBodies };
}

/** A 90 kHz video frame at `ms`. */
function video(on: Track, ms: number, keyframe: boolean, ctsMs = 0, receivedAt?: number): Frame {
  return frameOf(on, ms * 90, { keyframe, cts: ctsMs * 90, data: keyframe ? IDR_AVCC : P_AVCC, ...(receivedAt === undefined ? {} : { receivedAt }) });
}

describe('FlvMuxer', () => {
  test('onMetaData first; the sequence headers go before the first frame of each track, with ms timestamps from track units', () => {
    const v = track('video', 'h264', 90000, VIDEO_PARAMS);
    const a = track('audio', 'aac', 44100, AUDIO_PARAMS);
    const { muxer, metadata, videoBodies, audioBodies, latencies } = harness(v, a);
    expect(metadata).toEqual([streamMetadata(VIDEO_PARAMS, AUDIO_PARAMS)]);
    muxer.write([video(v, 40, true, 0, 1), frameOf(a, 44100 / 10, { data: Buffer.from([1, 2]), receivedAt: 2 }), video(v, 80, false)]);
    expect(videoBodies().map((b) => [b.ts, b.avcPacketType, b.frameType])).toEqual([[40, AvcPacketType.SEQUENCE_HEADER, 1], [40, AvcPacketType.NALU, 1], [80, AvcPacketType.NALU, 2]]);
    expect(audioBodies().map((b) => [b.ts, b.aacPacketType])).toEqual([[100, AacPacketType.SEQUENCE_HEADER], [100, AacPacketType.RAW]]);
    expect(muxer.framesSent).toBe(3);
    expect(muxer.lastTimestamp).toBe(100);
    // Latency is told for frames with a known arrival only.
    expect(latencies).toEqual(['video', 'audio']);
  });

  test('frames before the first keyframe, or of a track without parameters, are not written', () => {
    const v = track('video', 'h264', 90000, VIDEO_PARAMS);
    const bare = track('video', 'h264', 90000);
    const { muxer, sent } = harness(v, undefined);
    muxer.write([video(v, 0, false), video(bare, 40, true)]);
    expect(sent).toEqual([]);
  });

  test('keeps the composition time of B-frames and makes decode timestamps monotonic', () => {
    const v = track('video', 'h264', 90000, VIDEO_PARAMS);
    const { muxer, videoBodies } = harness(v, undefined);
    muxer.write([video(v, 0, true, 80), video(v, 40, false, 160), video(v, 30, false, 40)]); // a step back is clamped
    const frames = videoBodies().filter((b) => b.avcPacketType === AvcPacketType.NALU);
    expect(frames.map((f) => [f.ts, f.compositionTime])).toEqual([[0, 80], [40, 160], [40, 40]]);
  });

  test('new video parameters: a new sequence header (and onMetaData) at the keyframe that brings them, not before', () => {
    const v = track('video', 'h264', 90000, VIDEO_PARAMS) as Track & { params: unknown };
    const { muxer, videoBodies, metadata } = harness(v, undefined);
    muxer.write([video(v, 0, true)]);
    v.params = { ...VIDEO_PARAMS, width: 640, height: 480 };
    muxer.write([video(v, 40, false), video(v, 80, true)]);
    expect(videoBodies().map((b) => [b.ts, b.avcPacketType])).toEqual([[0, 0], [0, 1], [40, 1], [80, 0], [80, 1]]);
    expect(metadata.map((m) => m['width'])).toEqual([320, 640]);
  });

  test('audio of a stream with video waits for the next video frame and leaves with it, ahead of it, in the same write', () => {
    const v = track('video', 'h264', 1000, VIDEO_PARAMS);
    const a = track('audio', 'aac', 1000, AUDIO_PARAMS);
    const { muxer, sent } = harness(v, a);
    muxer.write([frameOf(v, 0, { keyframe: true })]);
    muxer.write([frameOf(a, 10)]);
    muxer.write([frameOf(a, 31)]);
    expect(sent.filter((s) => s.track === 'audio')).toEqual([]);
    muxer.write([frameOf(v, 33)]);
    expect(sent.slice(-4).map((s) => [s.track, s.ts, s.write])).toEqual([['audio', 10, 4], ['audio', 10, 4], ['audio', 31, 4], ['video', 33, 4]]);
  });

  test('audio-only streams write audio at once; audio going back in time is skipped', () => {
    const a = track('audio', 'aac', 1000, AUDIO_PARAMS);
    const { muxer, sent } = harness(undefined, a);
    muxer.write([frameOf(a, 100), frameOf(a, 90)]);
    expect(sent.map((s) => s.ts)).toEqual([100, 100]);
  });

  test('flush() sends the audio still held', () => {
    const v = track('video', 'h264', 1000, VIDEO_PARAMS);
    const a = track('audio', 'aac', 1000, AUDIO_PARAMS);
    const { muxer, audioBodies } = harness(v, a);
    muxer.write([frameOf(v, 0, { keyframe: true }), frameOf(a, 5)]);
    expect(audioBodies()).toEqual([]);
    muxer.flush();
    expect(audioBodies().map((b) => [b.ts, b.aacPacketType])).toEqual([[5, 0], [5, 1]]);
  });

  test('streamMetadata describes the known tracks', () => {
    expect(streamMetadata(VIDEO_PARAMS, AUDIO_PARAMS)).toEqual({
      encoder: 'webrtc-rtmp-gateway',
      videocodecid: 7,
      width: 320,
      height: 240,
      audiocodecid: 10,
      audiosamplerate: 44100,
      audiosamplesize: 16,
      stereo: false,
      audiochannels: 1,
    });
    expect(streamMetadata(undefined, undefined)).toEqual({ encoder: 'webrtc-rtmp-gateway' });
  });
});
