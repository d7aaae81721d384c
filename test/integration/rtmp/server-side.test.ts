import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AmfEcmaArray } from '../../../server/rtmp/protocol/amf0';
import { AvcPacketType, parseAudioTagBody, parseVideoTagBody } from '../../../server/rtmp/protocol/flv';
import { MessageType, parseData } from '../../../server/rtmp/protocol/messages';
import { FakeRtmpServer } from '../../support/fake-rtmp-server';

let server: FakeRtmpServer | undefined;

afterEach(async () => {
  await server?.close();
});

// The wire layer in the server role, against a real publisher: FFmpeg sends the Flash digest
// handshake (C1 carries a player version), its own chunking and its FLV muxer's bodies.
test('RtmpConnection in the server role accepts an FFmpeg publisher and reassembles its media', async () => {
  server = await FakeRtmpServer.start();
  await promisify(execFile)(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-g', '25', '-c:a', 'aac', '-f', 'flv', `rtmp://127.0.0.1:${server.port}/live/key`],
    { timeout: 15_000 },
  );

  expect(server.commandNames()[0]).toEqual(expect.arrayContaining(['connect', 'createStream', 'publish']));
  const received = server.received[0]!;
  const metadata = received.find((m) => m.typeId === MessageType.DATA_AMF0);
  expect(parseData(metadata!)).toEqual(['@setDataFrame', 'onMetaData', expect.any(AmfEcmaArray)]);
  const video = received.filter((m) => m.typeId === MessageType.VIDEO).map((m) => ({ timestamp: m.timestamp, body: parseVideoTagBody(m.payload) }));
  const audio = received.filter((m) => m.typeId === MessageType.AUDIO).map((m) => parseAudioTagBody(m.payload));
  expect(video[0]!.body).toMatchObject({ codecId: 7, avcPacketType: AvcPacketType.SEQUENCE_HEADER });
  expect(video.length).toBeGreaterThanOrEqual(25);
  expect(video.at(-1)!.timestamp).toBeGreaterThanOrEqual(900);
  expect(video.filter((v) => v.body.frameType === 1).length).toBeGreaterThanOrEqual(2);
  expect(audio[0]).toMatchObject({ soundFormat: 10, aacPacketType: 0 });
  expect(audio.length).toBeGreaterThan(20);
});
