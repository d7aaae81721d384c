import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Frame } from '../../../server/hub/frame';
import { AAC_LC, buildAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { parseAudioTagBody } from '../../../server/rtmp/protocol/flv';
import { MessageType, parseCommand, type RtmpMessage } from '../../../server/rtmp/protocol/messages';
import { parseRtmpUrl } from '../../../server/rtmp/protocol/url';
import { RtmpPushSink } from '../../../server/sinks/rtmp-push-sink';
import { STOP_GRACEFULLY } from '../../../server/sinks/sink';
import { FakeRtmpServer } from '../../support/fake-rtmp-server';
import { ManualSinkInput } from '../../support/manual-sink-input';
import { aacParams, frameOf, h264Params, track } from '../../support/media-frames';

const SPS = Buffer.from('6742c01ed900a02ff97011000003000100000300320f162e48', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const VIDEO = track('video', 'h264', 1000, h264Params(640, 480, SPS, PPS));
const AUDIO = track('audio', 'aac', 1000, aacParams(buildAudioSpecificConfig(AAC_LC, 48000, 2), 48000, 2));

let server: FakeRtmpServer;
let sink: RtmpPushSink;
let abort: AbortController;
let running: Promise<void>;
const written: Array<'video' | 'audio'> = [];

/** Starts a sink to the fake server and waits until it has started its input (connected). */
async function connect(input: ManualSinkInput): Promise<void> {
  sink = new RtmpPushSink({
    target: parseRtmpUrl(`rtmp://127.0.0.1:${server.port}/live`),
    streamName: 'key',
    connectTimeoutMs: 3000,
    publishSettleMs: 0,
    onFrameWritten: (kind) => written.push(kind),
  });
  abort = new AbortController();
  running = sink.run(input, abort.signal);
  await input.started;
}

beforeEach(async () => {
  written.length = 0;
  server = await FakeRtmpServer.start();
});

afterEach(async () => {
  abort.abort(STOP_GRACEFULLY);
  await running.catch(() => undefined);
  await server.close();
  jest.restoreAllMocks();
});

function videoFrame(ts: number, keyframe: boolean): Frame {
  return frameOf(VIDEO, ts, { keyframe, data: Buffer.from([0, 0, 0, 2, keyframe ? 0x65 : 0x41, 0x88]), receivedAt: performance.now() });
}

function audioFrame(ts: number, marker: number): Frame {
  return frameOf(AUDIO, ts, { data: Buffer.from([0x21, marker]), receivedAt: performance.now() });
}

/** Raw AAC frames (not the sequence header) the server got, by their marker byte. */
function audioMarkers(messages: readonly RtmpMessage[]): number[] {
  return messages
    .filter((m) => m.typeId === MessageType.AUDIO)
    .map((m) => parseAudioTagBody(Buffer.from(m.payload)))
    .filter((tag) => tag.aacPacketType === 1)
    .map((tag) => tag.data[1]!);
}

test('once connected it starts its input and announces the tracks (onMetaData) before any frame', async () => {
  const input = new ManualSinkInput({ video: VIDEO, audio: AUDIO });
  await connect(input);
  const metadata = await server.message((m) => m.typeId === MessageType.DATA_AMF0);
  expect(metadata.payload.toString('latin1')).toContain('onMetaData');
  input.frames(videoFrame(0, true));
  await server.message((m) => m.typeId === MessageType.VIDEO && m.timestamp === 0);
  expect(sink.stats.framesSent).toBe(1);
  expect(sink.stats.bytesSent).toBeGreaterThan(0);
});

test('audio of a stream with video waits for the next video frame and leaves with it, in one socket write, before it', async () => {
  const input = new ManualSinkInput({ video: VIDEO, audio: AUDIO });
  await connect(input);
  input.frames(videoFrame(0, true));
  input.frames(audioFrame(10, 1));
  input.frames(audioFrame(31, 2));
  expect(written).toEqual(['video']); // held

  const writev = jest.spyOn(net.Socket.prototype, '_writev');
  const write = jest.spyOn(net.Socket.prototype, '_write');
  input.frames(videoFrame(33, false));
  expect(written).toEqual(['video', 'audio', 'audio', 'video']);
  expect(writev).toHaveBeenCalledTimes(1);
  expect(write).not.toHaveBeenCalled();

  const second = await server.message((m) => m.typeId === MessageType.VIDEO && m.timestamp === 33);
  const received = server.received[0]!;
  expect(audioMarkers(received)).toEqual([1, 2]);
  expect(received.findIndex((m) => m.typeId === MessageType.AUDIO && m.timestamp === 31)).toBeLessThan(received.indexOf(second));
});

test('held audio goes on its own once the oldest frame has waited 40 ms, so sound survives a video stall', async () => {
  const input = new ManualSinkInput({ video: VIDEO, audio: AUDIO });
  await connect(input);
  input.frames(videoFrame(0, true));
  input.frames(audioFrame(10, 1));
  await delay(45); // the hold limit is the behaviour under test
  input.frames(audioFrame(31, 2));
  expect(written).toEqual(['video', 'audio', 'audio']);
  await server.message((m) => m.typeId === MessageType.AUDIO && m.timestamp === 31);
  expect(audioMarkers(server.received[0]!)).toEqual([1, 2]);
});

test('audio of an audio-only stream is written at once', async () => {
  const input = new ManualSinkInput({ video: undefined, audio: AUDIO });
  await connect(input);
  input.frames(audioFrame(10, 7));
  expect(written).toEqual(['audio']);
  await server.message((m) => m.typeId === MessageType.AUDIO && m.timestamp === 10);
  expect(audioMarkers(server.received[0]!)).toEqual([7]);
});

test('a graceful stop sends the audio still held, then FCUnpublish and deleteStream, and resolves', async () => {
  const input = new ManualSinkInput({ video: VIDEO, audio: AUDIO });
  await connect(input);
  input.frames(videoFrame(0, true));
  input.frames(audioFrame(10, 3));
  const deleted = server.message((m) => m.typeId === MessageType.COMMAND_AMF0 && parseCommand(m).name === 'deleteStream');
  abort.abort(STOP_GRACEFULLY);
  await running;
  await deleted;
  expect(audioMarkers(server.received[0]!)).toEqual([3]);
  expect(server.received[0]!.filter((m) => m.typeId === MessageType.COMMAND_AMF0).map((m) => parseCommand(m).name).slice(-2)).toEqual(['FCUnpublish', 'deleteStream']);
});

test('any other abort drops the connection at once; a connection the target drops rejects run()', async () => {
  const input = new ManualSinkInput({ video: VIDEO, audio: AUDIO });
  await connect(input);
  abort.abort(new Error('wedged'));
  await running;
  expect(server.received[0]!.some((m) => m.typeId === MessageType.COMMAND_AMF0 && parseCommand(m).name === 'deleteStream')).toBe(false);

  const second = new ManualSinkInput({ video: VIDEO, audio: AUDIO });
  await connect(second);
  server.connections.at(-1)!.destroy();
  await expect(running).rejects.toMatchObject({ code: 'SOCKET' });
});

test('a connect that fails rejects run() with the client error; an aborted connect resolves', async () => {
  await server.close();
  server = await FakeRtmpServer.start({ connect: (c) => c.reply(false, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no' }) });
  const input = new ManualSinkInput({ video: VIDEO, audio: undefined });
  sink = new RtmpPushSink({ target: parseRtmpUrl(`rtmp://127.0.0.1:${server.port}/live`), streamName: 'key', connectTimeoutMs: 3000 });
  abort = new AbortController();
  running = sink.run(input, abort.signal);
  await expect(running).rejects.toMatchObject({ code: 'CONNECT_REJECTED' });

  const aborted = new AbortController();
  aborted.abort(STOP_GRACEFULLY);
  await expect(new RtmpPushSink({ target: parseRtmpUrl(`rtmp://127.0.0.1:${server.port}/live`), streamName: 'key' }).run(input, aborted.signal)).resolves.toBeUndefined();
});
