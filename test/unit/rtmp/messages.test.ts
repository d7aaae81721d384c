import { AmfEcmaArray } from '../../../server/rtmp/protocol/amf0';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import {
  abortMessage,
  acknowledgementMessage,
  commandMessage,
  dataMessage,
  MessageType,
  parseAbort,
  parseAcknowledgement,
  parseCommand,
  parseData,
  parseSetChunkSize,
  parseSetPeerBandwidth,
  parseUserControl,
  parseWindowAckSize,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  type UserControl,
  userControlMessage,
  windowAckSizeMessage,
} from '../../../server/rtmp/protocol/messages';
import { FFMPEG_CONNECT_PAYLOAD } from './fixtures';

test('protocol control messages go on chunk stream 2, message stream 0, with the spec layout', () => {
  const cases = [
    [setChunkSizeMessage(4096), MessageType.SET_CHUNK_SIZE, '00001000'],
    [abortMessage(6), MessageType.ABORT, '00000006'],
    [acknowledgementMessage(2 ** 32 + 5), MessageType.ACKNOWLEDGEMENT, '00000005'],
    [windowAckSizeMessage(2_500_000), MessageType.WINDOW_ACK_SIZE, '002625a0'],
    [setPeerBandwidthMessage(2_500_000, 'dynamic'), MessageType.SET_PEER_BANDWIDTH, '002625a002'],
  ] as const;
  for (const [message, typeId, payload] of cases) {
    expect(message).toMatchObject({ chunkStreamId: 2, messageStreamId: 0, timestamp: 0, typeId });
    expect(message.payload.toString('hex')).toBe(payload);
  }
  expect(parseSetChunkSize(setChunkSizeMessage(4096).payload)).toBe(4096);
  expect(parseAbort(abortMessage(6).payload)).toBe(6);
  expect(parseAcknowledgement(acknowledgementMessage(123).payload)).toBe(123);
  expect(parseWindowAckSize(windowAckSizeMessage(5000).payload)).toBe(5000);
  expect(parseSetPeerBandwidth(setPeerBandwidthMessage(5000, 'hard').payload)).toEqual({ size: 5000, limit: 'hard' });
});

test('user control events round-trip with their spec layout', () => {
  const cases: [UserControl, string][] = [
    [{ event: 'streamBegin', streamId: 1 }, '0000' + '00000001'],
    [{ event: 'streamEof', streamId: 1 }, '0001' + '00000001'],
    [{ event: 'streamDry', streamId: 2 }, '0002' + '00000002'],
    [{ event: 'setBufferLength', streamId: 1, bufferLengthMs: 3000 }, '0003' + '00000001' + '00000bb8'],
    [{ event: 'streamIsRecorded', streamId: 1 }, '0004' + '00000001'],
    [{ event: 'pingRequest', timestamp: 77 }, '0006' + '0000004d'],
    [{ event: 'pingResponse', timestamp: 77 }, '0007' + '0000004d'],
    [{ event: 'unknown', type: 31, data: Buffer.from([1, 2]) }, '001f' + '0102'],
  ];
  for (const [control, payload] of cases) {
    const message = userControlMessage(control);
    expect(message).toMatchObject({ chunkStreamId: 2, typeId: MessageType.USER_CONTROL });
    expect(message.payload.toString('hex')).toBe(payload);
    expect(parseUserControl(message.payload)).toEqual(control);
  }
});

test('command messages: build, and parse AMF0 and AMF3-wrapped bodies', () => {
  const message = commandMessage({ name: 'publish', transactionId: 5, commandObject: null, args: ['key', 'live'] }, { chunkStreamId: 8, messageStreamId: 1 });
  expect(message).toMatchObject({ chunkStreamId: 8, messageStreamId: 1, timestamp: 0, typeId: MessageType.COMMAND_AMF0 });
  expect(parseCommand(message)).toEqual({ name: 'publish', transactionId: 5, commandObject: null, args: ['key', 'live'] });
  expect(parseCommand({ typeId: MessageType.COMMAND_AMF0, payload: FFMPEG_CONNECT_PAYLOAD })).toMatchObject({ name: 'connect', transactionId: 1, args: [] });
  const amf3 = { typeId: MessageType.COMMAND_AMF3, payload: Buffer.concat([Buffer.from([0]), message.payload]) };
  expect(parseCommand(amf3).name).toBe('publish');
});

test('data messages carry @setDataFrame onMetaData as an ECMA array', () => {
  const message = dataMessage(['@setDataFrame', 'onMetaData', new AmfEcmaArray({ width: 320 })], { chunkStreamId: 8, messageStreamId: 1 });
  expect(message.typeId).toBe(MessageType.DATA_AMF0);
  expect(message.payload.subarray(0, 16).toString('latin1')).toBe('\u0002\u0000\u000d@setDataFrame');
  expect(parseData(message)).toEqual(['@setDataFrame', 'onMetaData', new AmfEcmaArray({ width: 320 })]);
});

test('malformed control and command payloads throw RtmpProtocolError', () => {
  const codeOf = (action: () => unknown): string => {
    try {
      action();
      return 'no error';
    } catch (error) {
      return error instanceof RtmpProtocolError ? error.code : `other: ${String(error)}`;
    }
  };
  expect(codeOf(() => parseWindowAckSize(Buffer.alloc(3)))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseSetPeerBandwidth(Buffer.from('0000000103', 'hex')))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseSetPeerBandwidth(Buffer.alloc(4)))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseUserControl(Buffer.from([0])))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseUserControl(Buffer.from('000600', 'hex')))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseUserControl(Buffer.from('000300000001', 'hex')))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseCommand({ typeId: MessageType.COMMAND_AMF0, payload: Buffer.from('003ff0000000000000', 'hex') }))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseCommand({ typeId: MessageType.COMMAND_AMF0, payload: Buffer.from('020001610101', 'hex') }))).toBe('BAD_MESSAGE');
  expect(codeOf(() => parseCommand({ typeId: MessageType.COMMAND_AMF0, payload: Buffer.from('0200', 'hex') }))).toBe('AMF_TRUNCATED');
  expect(codeOf(() => setChunkSizeMessage(0))).toBe('BAD_CHUNK_SIZE');
});
