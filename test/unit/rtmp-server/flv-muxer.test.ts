import type { AudioTrackInfo, VideoFrame, VideoTrackInfo } from '../../../server/hub/frame';
import { FlvMuxer, streamMetadata } from '../../../server/rtmp/flv-muxer';
import { AacPacketType, AvcPacketType, parseAudioTagBody, parseVideoTagBody } from '../../../server/rtmp/protocol/flv';
import { payloadToBuffer, type Payload } from '../../../server/rtmp/protocol/payload';
import { ASC_44100_MONO, IDR_AVCC, P_AVCC, PPS_320X240, SPS_320X240 } from './fixtures';

const VIDEO_INFO: VideoTrackInfo = { codec: 'h264', sps: SPS_320X240, pps: PPS_320X240, width: 320, height: 240 };
const AUDIO_INFO: AudioTrackInfo = { codec: 'aac', config: ASC_44100_MONO, sampleRate: 44100, channels: 1 };

function video(dts: number, keyframe: boolean, pts = dts): VideoFrame {
  return { kind: 'video', codec: 'h264', dts, pts, keyframe, data: keyframe ? IDR_AVCC : P_AVCC, receivedAt: 0 };
}

/** A muxer writing into arrays, with a backlog the test sets. */
function harness() {
  const sent: { track: 'video' | 'audio'; ts: number; body: Buffer }[] = [];
  const state = { backlog: 0 };
  const muxer = new FlvMuxer({
    sendVideo: (ts: number, body: Payload) => sent.push({ track: 'video', ts, body: payloadToBuffer(body) }),
    sendAudio: (ts: number, body: Payload) => sent.push({ track: 'audio', ts, body: payloadToBuffer(body) }),
    backlog: () => state.backlog,
  });
  const videoBodies = () => sent.filter((s) => s.track === 'video').map((s) => ({ ts: s.ts, ...parseVideoTagBody(s.body) }));
  return { muxer, sent, state, videoBodies };
}

describe('FlvMuxer', () => {
  test('starts on a keyframe, preceded by the AVC sequence header; audio waits for it too', () => {
    const { muxer, sent, videoBodies } = harness();
    muxer.setVideoInfo(VIDEO_INFO);
    muxer.setAudioInfo(AUDIO_INFO);
    expect(muxer.writeVideo(0, video(0, false))).toBe(false);
    expect(muxer.writeAudio(0, Buffer.from([1, 2]), true)).toBe(false);
    expect(muxer.writeVideo(40, video(40, true))).toBe(true);
    expect(muxer.writeAudio(41, Buffer.from([1, 2]), true)).toBe(true);
    expect(videoBodies().map((b) => [b.ts, b.avcPacketType, b.frameType])).toEqual([[40, AvcPacketType.SEQUENCE_HEADER, 1], [40, AvcPacketType.NALU, 1]]);
    const audio = sent.filter((s) => s.track === 'audio').map((s) => parseAudioTagBody(s.body).aacPacketType);
    expect(audio).toEqual([AacPacketType.SEQUENCE_HEADER, AacPacketType.RAW]);
    expect(muxer.droppedFrames).toBe(2);
    expect(muxer.lastTimestamp).toBe(41);
  });

  test('keeps the composition time of B-frames and makes decode timestamps monotonic', () => {
    const { muxer, videoBodies } = harness();
    muxer.setVideoInfo(VIDEO_INFO);
    muxer.writeVideo(0, video(0, true, 80));
    muxer.writeVideo(40, video(40, false, 200));
    muxer.writeVideo(30, video(80, false, 120)); // a step back on the output timeline is clamped
    const frames = videoBodies().filter((b) => b.avcPacketType === AvcPacketType.NALU);
    expect(frames.map((f) => [f.ts, f.compositionTime])).toEqual([[0, 80], [40, 160], [40, 40]]);
  });

  test('past a backlog of 1 it drops until a keyframe finds the backlog at 0.5 or below: whole GOPs go', () => {
    const { muxer, state, videoBodies } = harness();
    muxer.setVideoInfo(VIDEO_INFO);
    muxer.writeVideo(0, video(0, true));
    state.backlog = 1.5;
    expect(muxer.writeVideo(40, video(40, false))).toBe(false);
    expect(muxer.writeAudio(45, Buffer.from([1]), true)).toBe(false);
    state.backlog = 0.8;
    expect(muxer.writeVideo(80, video(80, true))).toBe(false); // a keyframe, but not drained enough
    expect(muxer.writeVideo(120, video(120, false))).toBe(false);
    state.backlog = 0.4;
    expect(muxer.writeVideo(160, video(160, false))).toBe(false); // drained, but mid-GOP
    expect(muxer.writeVideo(200, video(200, true))).toBe(true);
    expect(videoBodies().filter((b) => b.avcPacketType === AvcPacketType.NALU).map((b) => b.ts)).toEqual([0, 200]);
    expect(muxer.droppedFrames).toBe(5);
  });

  test('new video parameters send a new sequence header at the next keyframe', () => {
    const { muxer, videoBodies } = harness();
    muxer.setVideoInfo(VIDEO_INFO);
    muxer.writeVideo(0, video(0, true));
    muxer.setVideoInfo(VIDEO_INFO);
    muxer.writeVideo(40, video(40, false));
    muxer.writeVideo(80, video(80, true));
    expect(videoBodies().map((b) => [b.ts, b.avcPacketType])).toEqual([[0, 0], [0, 1], [80, 0], [80, 1]]);
  });

  test('audio-only streams need no keyframe; audio going back in time is skipped', () => {
    const { muxer, sent } = harness();
    muxer.setAudioInfo(AUDIO_INFO);
    expect(muxer.writeAudio(100, Buffer.from([1]), false)).toBe(true);
    expect(muxer.writeAudio(90, Buffer.from([2]), false)).toBe(false);
    expect(sent.map((s) => s.ts)).toEqual([100, 100]);
  });

  test('streamMetadata describes the known tracks', () => {
    expect(streamMetadata(VIDEO_INFO, AUDIO_INFO)).toEqual({
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
