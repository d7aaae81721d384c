import { parseRtmpUrl, RtmpUrlError } from '../../../server/rtmp/protocol/url';

describe('default mode: the whole path is the app', () => {
  test.each([
    ['rtmp://h/live', { secure: false, host: 'h', port: 1935, app: 'live', tcUrl: 'rtmp://h/live' }],
    ['rtmp://h:1936/live', { port: 1936, app: 'live', tcUrl: 'rtmp://h:1936/live' }],
    ['rtmps://live-api-s.facebook.com:443/rtmp/', { secure: true, host: 'live-api-s.facebook.com', port: 443, app: 'rtmp/', tcUrl: 'rtmps://live-api-s.facebook.com:443/rtmp/' }],
    ['rtmps://h/live', { secure: true, port: 443, tcUrl: 'rtmps://h/live' }],
    ['rtmp://h/app/app_instance', { app: 'app/app_instance', tcUrl: 'rtmp://h/app/app_instance' }],
    ['rtmp://h/live/?user1&pass1', { app: 'live/?user1&pass1', tcUrl: 'rtmp://h/live/?user1&pass1' }],
    ['rtmp://h/live?token=a/b', { app: 'live?token=a/b' }],
    ['RTMP://H.example/Live', { secure: false, host: 'H.example', app: 'Live', tcUrl: 'rtmp://H.example/Live' }],
    ['rtmp://[::1]:1935/live', { host: '::1', port: 1935, tcUrl: 'rtmp://[::1]:1935/live' }],
    ['  rtmp://h/live  ', { app: 'live' }],
  ])('%s', (url, expected) => {
    const parsed = parseRtmpUrl(url);
    expect(parsed).toMatchObject(expected);
    expect(parsed.streamName).toBeUndefined();
    expect(parsed.credentials).toBeUndefined();
  });
});

describe('full-URL mode: the last segment is the stream name', () => {
  test.each([
    ['rtmp://a.rtmp.youtube.com/live2/abcd-efgh', 'live2', 'abcd-efgh'],
    ['rtmp://h/app/app_instance/stream', 'app/app_instance', 'stream'],
    ['rtmp://h/live/key?token=1', 'live', 'key?token=1'],
    ['rtmp://h/live/key?token=a/b', 'live', 'key?token=a/b'],
  ])('%s → app %s, stream %s', (url, app, streamName) => {
    expect(parseRtmpUrl(url, { streamNameInUrl: true })).toMatchObject({ app, streamName, tcUrl: `rtmp://${url.split('/')[2]}/${app}` });
  });
});

describe('credentials become a query on the app and tcUrl', () => {
  test.each([
    ['rtmp://user1:pass1@h/live', 'live/?user1&pass1', 'rtmp://h/live/?user1&pass1'],
    ['rtmp://user1:pass1@h/live/', 'live/?user1&pass1', 'rtmp://h/live/?user1&pass1'],
    ['rtmp://user1:pass1@h/live?x=1', 'live?x=1&user1&pass1', 'rtmp://h/live?x=1&user1&pass1'],
    ['rtmp://user1:pass1@h:1936/app/inst', 'app/inst/?user1&pass1', 'rtmp://h:1936/app/inst/?user1&pass1'],
  ])('%s → app %s', (url, app, tcUrl) => {
    expect(parseRtmpUrl(url)).toEqual({ secure: false, host: 'h', port: url.includes(':1936') ? 1936 : 1935, app, tcUrl, credentials: { user: 'user1', password: 'pass1' } });
  });

  test('the suffix is appended after splitting off the stream name in full-URL mode', () => {
    expect(parseRtmpUrl('rtmp://u:p@h/live/key', { streamNameInUrl: true })).toMatchObject({ app: 'live/?u&p', streamName: 'key', tcUrl: 'rtmp://h/live/?u&p' });
  });

  test('percent-encoded credentials stay encoded in the app and are decoded for authentication', () => {
    expect(parseRtmpUrl('rtmp://us%40er:p%3Ass@h/live')).toMatchObject({ app: 'live/?us%40er&p%3Ass', credentials: { user: 'us@er', password: 'p:ss' } });
  });

  test('a user without password is appended alone', () => {
    expect(parseRtmpUrl('rtmp://user1@h/live')).toMatchObject({ app: 'live/?user1', credentials: { user: 'user1', password: '' } });
  });
});

describe('invalid URLs throw RtmpUrlError with a code and a clear message', () => {
  test.each([
    ['http://h/live', 'BAD_SCHEME', /only rtmp:\/\/ and rtmps:\/\//],
    ['rtmpt://h/live', 'BAD_SCHEME', /rtmpt/],
    ['h/live', 'BAD_SCHEME', /only rtmp/],
    ['rtmp:///live', 'BAD_HOST', /no host/],
    ['rtmp://user:pw@/live', 'BAD_HOST', /no host/],
    ['rtmp://bad_host!/live', 'BAD_HOST', /invalid host/],
    ['rtmp://h:0/live', 'BAD_PORT', /invalid port "0"/],
    ['rtmp://h:65536/live', 'BAD_PORT', /invalid port/],
    ['rtmp://h:abc/live', 'BAD_PORT', /invalid port "abc"/],
    ['rtmp://h:/live', 'BAD_PORT', /invalid port/],
    ['rtmp://h', 'MISSING_APP', /no application/],
    ['rtmp://h/', 'MISSING_APP', /no application/],
    ['rtmp://h/live app', 'BAD_URL', /spaces/],
    ['rtmp://u:%zz@h/live', 'BAD_CREDENTIALS', /percent-encoding/],
  ])('%s → %s', (url, code, message) => {
    expect(() => parseRtmpUrl(url)).toThrow(expect.objectContaining({ name: 'RtmpUrlError', code, message: expect.stringMatching(message) }));
  });

  test.each([
    ['rtmp://h/live', 'MISSING_APP'],
    ['rtmp://h/live/', 'MISSING_STREAM_NAME'],
  ])('full-URL mode: %s → %s', (url, code) => {
    expect(() => parseRtmpUrl(url, { streamNameInUrl: true })).toThrow(expect.objectContaining({ code }));
  });

  test('messages never echo the password', () => {
    try {
      parseRtmpUrl('rtmp://user:secret@h:99999/live');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(RtmpUrlError);
      expect((error as Error).message).not.toContain('secret');
      expect((error as Error).message).toContain('rtmp://***@h:99999/live');
    }
  });
});
