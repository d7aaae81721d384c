import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { VideoFrame } from '../../../server/hub/frame';
import { parseAudioTagBody } from '../../../server/rtmp/protocol/flv';
import { MessageType, type RtmpMessage } from '../../../server/rtmp/protocol/messages';
import { parseRtmpUrl } from '../../../server/rtmp/protocol/url';
import { RtmpPushSink } from '../../../server/rtmp/push-sink';
import { buildAudioSpecificConfig, AAC_LC } from '../../../server/media/aac/audio-specific-config';
import { FakeRtmpServer } from '../../support/fake-rtmp-server';

const SPS = Buffer.from('6742c01ed900a02ff97011000003000100000300320f162e48', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');

let server: FakeRtmpServer;
let sink: RtmpPushSink;
const written: Array<'video' | 'audio'> = [];

beforeEach(async () => {
  written.length = 0;
  server = await FakeRtmpServer.start();
  sink = new RtmpPushSink({
    target: parseRtmpUrl(`rtmp://127.0.0.1:${server.port}/live`),
    streamName: 'key',
    connectTimeoutMs: 3000,
    publishSettleMs: 0,
    maxBufferBytes: 1024 * 1024,
    wedgeTimeoutMs: 10_000,
    onFrameWritten: (track) => written.push(track),
  });
  await sink.connect();
  sink.setVideoInfo({ codec: 'h264', sps: SPS, pps: PPS, width: 640, height: 480 });
  sink.setAudioInfo({ codec: 'aac', config: buildAudioSpecificConfig(AAC_LC, 48000, 2), sampleRate: 48000, channels: 2 });
});

afterEach(async () => {
  await sink.close();
  await server.close();
  jest.restoreAllMocks();
});

function videoFrame(keyframe: boolean): VideoFrame {
  return { kind: 'video', codec: 'h264', pts: 0, dts: 0, keyframe, data: Buffer.from([0, 0, 0, 2, keyframe ? 0x65 : 0x41, 0x88]), receivedAt: performance.now() };
}

const aac = (marker: number): Buffer => Buffer.from([0x21, marker]);

/** Raw AAC frames (not the sequence header) the server got, by their marker byte. */
function audioMarkers(messages: readonly RtmpMessage[]): number[] {
  return messages
    .filter((m) => m.typeId === MessageType.AUDIO)
    .map((m) => parseAudioTagBody(Buffer.from(m.payload)))
    .filter((tag) => tag.aacPacketType === 1)
    .map((tag) => tag.data[1]!);
}

test('audio of a stream with video waits for the next video frame and leaves with it, in one socket write, before it', async () => {
  sink.writeVideo(0, videoFrame(true));
  sink.writeAudio(10, aac(1), performance.now(), true);
  sink.writeAudio(31, aac(2), performance.now(), true);
  expect(written).toEqual(['video']); // held

  const writev = jest.spyOn(net.Socket.prototype, '_writev');
  const write = jest.spyOn(net.Socket.prototype, '_write');
  sink.writeVideo(33, videoFrame(false));
  expect(written).toEqual(['video', 'audio', 'audio', 'video']);
  expect(writev).toHaveBeenCalledTimes(1);
  expect(write).not.toHaveBeenCalled();

  const second = await server.message((m) => m.typeId === MessageType.VIDEO && m.timestamp === 33);
  const received = server.received[0]!;
  expect(audioMarkers(received)).toEqual([1, 2]);
  expect(received.findIndex((m) => m.typeId === MessageType.AUDIO && m.timestamp === 31)).toBeLessThan(received.indexOf(second));
});

test('held audio goes on its own once the oldest frame has waited 40 ms, so sound survives a video stall', async () => {
  sink.writeVideo(0, videoFrame(true));
  sink.writeAudio(10, aac(1), performance.now(), true);
  await delay(45); // the hold limit is the behaviour under test
  sink.writeAudio(31, aac(2), performance.now(), true);
  expect(written).toEqual(['video', 'audio', 'audio']);
  await server.message((m) => m.typeId === MessageType.AUDIO && m.timestamp === 31);
  expect(audioMarkers(server.received[0]!)).toEqual([1, 2]);
});

test('audio of an audio-only stream is written at once', async () => {
  sink.writeAudio(10, aac(7), performance.now(), false);
  expect(written).toEqual(['audio']);
  await server.message((m) => m.typeId === MessageType.AUDIO && m.timestamp === 10);
  expect(audioMarkers(server.received[0]!)).toEqual([7]);
});

test('close() sends the audio still held before ending the session', async () => {
  sink.writeVideo(0, videoFrame(true));
  sink.writeAudio(10, aac(3), performance.now(), true);
  const audio = server.message((m) => m.typeId === MessageType.AUDIO && m.timestamp === 10);
  await sink.close();
  await audio;
  expect(audioMarkers(server.received[0]!)).toEqual([3]);
});
