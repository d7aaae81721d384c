import { SignallingProtocolError, decodeServerMessage } from '../../../web-sdk/src/server-messages';

const frame = (message: unknown, data?: unknown): string => JSON.stringify(data === undefined ? { message } : { message, data });

/** Runs decodeServerMessage and returns the SignallingProtocolError code it throws. */
function errorCode(text: string): string {
  try {
    decodeServerMessage(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SignallingProtocolError);
    return (error as SignallingProtocolError).code;
  }
  throw new Error('no error thrown');
}

describe('decodeServerMessage', () => {
  it('decodes getUserData with its session object', () => {
    const userData = { sessionId: '/127.0.0.1:50000/192.168.1.2:8443', authToken: 'tok', custom: { x: 1 } };
    expect(decodeServerMessage(frame('getUserData', [userData]))).toEqual({ kind: 'userData', userData });
  });

  it('decodes the positional setRemoteSDP [mediaSessionId, sdp]', () => {
    expect(decodeServerMessage(frame('setRemoteSDP', ['id-1', 'v=0\r\n']))).toEqual({ kind: 'remoteSdp', mediaSessionId: 'id-1', sdp: 'v=0\r\n' });
  });

  it('decodes notifyStreamStatusEvent, keeping name and info', () => {
    const event = { mediaSessionId: 'id-1', name: 'cam1', status: 'FAILED', info: 'Stream name is already in use', published: true };
    expect(decodeServerMessage(frame('notifyStreamStatusEvent', [event]))).toEqual({
      kind: 'streamStatus',
      event: { mediaSessionId: 'id-1', name: 'cam1', status: 'FAILED', info: 'Stream name is already in use' },
    });
  });

  it('drops a null info (WCS sends one on PUBLISHING)', () => {
    const decoded = decodeServerMessage(frame('notifyStreamStatusEvent', [{ mediaSessionId: 'id-1', status: 'PUBLISHING', info: null }]));
    expect(decoded).toEqual({ kind: 'streamStatus', event: { mediaSessionId: 'id-1', status: 'PUBLISHING' } });
  });

  it('decodes ping with or without data', () => {
    expect(decodeServerMessage(frame('ping', [null]))).toEqual({ kind: 'ping' });
    expect(decodeServerMessage(frame('ping'))).toEqual({ kind: 'ping' });
  });

  it('decodes fail and keeps every field for the WARN callback', () => {
    const failure = { apiMethod: 'StreamStatusEvent', id: 'id-1', info: 'Bad RTMP URL', code: 7 };
    expect(decodeServerMessage(frame('fail', [failure]))).toEqual({ kind: 'fail', failure });
  });

  it('reports messages a publisher has no use for as ignored, whatever their data', () => {
    expect(decodeServerMessage(frame('notifyVideoFormat', [{}]))).toEqual({ kind: 'ignored', message: 'notifyVideoFormat' });
    expect(decodeServerMessage(frame('OnDataEvent'))).toEqual({ kind: 'ignored', message: 'OnDataEvent' });
  });

  it.each([
    ['not JSON', 'not json', 'MALFORMED_JSON'],
    ['an empty frame', '', 'MALFORMED_JSON'],
    ['a truncated frame', '{"message":"ping"', 'MALFORMED_JSON'],
    ['JSON null', 'null', 'MALFORMED_ENVELOPE'],
    ['a JSON array', '["ping"]', 'MALFORMED_ENVELOPE'],
    ['a numeric message name', frame(5, []), 'MALFORMED_ENVELOPE'],
    ['no message name', '{"data":[]}', 'MALFORMED_ENVELOPE'],
    ['getUserData without data', frame('getUserData'), 'MALFORMED_ENVELOPE'],
    ['getUserData with data as an object', frame('getUserData', { sessionId: 's' }), 'MALFORMED_ENVELOPE'],
    ['getUserData with an empty data array', frame('getUserData', []), 'MALFORMED_PAYLOAD'],
    ['getUserData with a numeric sessionId', frame('getUserData', [{ sessionId: 1 }]), 'MALFORMED_PAYLOAD'],
    ['setRemoteSDP with one element', frame('setRemoteSDP', ['id-1']), 'MALFORMED_PAYLOAD'],
    ['setRemoteSDP with the SDP as an object', frame('setRemoteSDP', ['id-1', { sdp: 'v=0' }]), 'MALFORMED_PAYLOAD'],
    ['setRemoteSDP as an object', frame('setRemoteSDP', [{ mediaSessionId: 'id-1', sdp: 'v=0' }]), 'MALFORMED_PAYLOAD'],
    ['a status event without mediaSessionId', frame('notifyStreamStatusEvent', [{ status: 'PUBLISHING' }]), 'MALFORMED_PAYLOAD'],
    ['a status event with a numeric status', frame('notifyStreamStatusEvent', [{ mediaSessionId: 'id', status: 3 }]), 'MALFORMED_PAYLOAD'],
    ['a status event as a string', frame('notifyStreamStatusEvent', ['PUBLISHING']), 'MALFORMED_PAYLOAD'],
    ['fail with a numeric id', frame('fail', [{ apiMethod: 'StreamStatusEvent', id: 5 }]), 'MALFORMED_PAYLOAD'],
    ['fail with null data[0]', frame('fail', [null]), 'MALFORMED_PAYLOAD'],
  ])('throws SignallingProtocolError for %s', (_label, text, code) => {
    expect(errorCode(text)).toBe(code);
  });

  it('names the error and keeps a readable message', () => {
    expect(() => decodeServerMessage(frame('setRemoteSDP', ['id-1']))).toThrow(
      expect.objectContaining({ name: 'SignallingProtocolError', message: 'setRemoteSDP needs [mediaSessionId, sdp] strings' }),
    );
  });
});
