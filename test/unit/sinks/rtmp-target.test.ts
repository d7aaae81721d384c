import { redactKey, redactUrl, rejectionHint, resolvePushTarget } from '../../../server/sinks/rtmp-target';

describe('resolvePushTarget (WCS naming)', () => {
  test('default mode: the whole path is the app and the stream is <prefix><source>', () => {
    const target = resolvePushTarget('rtmp://ingest.example.com/live', 'cam1', false, 'rtmp_');
    expect(target.streamName).toBe('rtmp_cam1');
    expect(target.url).toMatchObject({ host: 'ingest.example.com', port: 1935, app: 'live', tcUrl: 'rtmp://ingest.example.com/live' });
  });

  test('an empty prefix keeps the source name; multi-level apps stay whole', () => {
    const target = resolvePushTarget('rtmp://h:1936/app/app_instance', 'cam1', false, '');
    expect(target.streamName).toBe('cam1');
    expect(target.url).toMatchObject({ app: 'app/app_instance', tcUrl: 'rtmp://h:1936/app/app_instance' });
  });

  test('full-URL mode: the last segment is the stream key, no prefix (YouTube, Facebook)', () => {
    const youtube = resolvePushTarget('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop', 'cam1', true, 'rtmp_');
    expect(youtube.streamName).toBe('abcd-efgh-ijkl-mnop');
    expect(youtube.url.app).toBe('live2');
    const facebook = resolvePushTarget('rtmps://live-api-s.facebook.com:443/rtmp/FB-123?s_bl=1&a=x', 'cam1', true, 'rtmp_');
    expect(facebook).toMatchObject({ streamName: 'FB-123?s_bl=1&a=x', url: { secure: true, port: 443, app: 'rtmp' } });
  });

  test('credentials and query parameters go into app and tcUrl as WCS sends them', () => {
    const target = resolvePushTarget('rtmp://user1:pass1@h/live', 's', false, 'rtmp_');
    expect(target.url).toMatchObject({ app: 'live/?user1&pass1', tcUrl: 'rtmp://h/live/?user1&pass1', credentials: { user: 'user1', password: 'pass1' } });
    expect(resolvePushTarget('rtmp://h/live/?user1&pass1', 's', false, '').url.app).toBe('live/?user1&pass1');
  });

  test('bad URLs are a GatewayError INVALID_URL with the reason', () => {
    expect(() => resolvePushTarget('http://h/live', 's', false, '')).toThrow(expect.objectContaining({ code: 'INVALID_URL', message: expect.stringMatching(/^Invalid rtmpUrl: /) }));
    expect(() => resolvePushTarget('rtmp://h/live/', 's', true, '')).toThrow(/no stream name after the last '\/'/);
  });

  test('logs never show passwords or whole stream keys', () => {
    expect(redactUrl('rtmp://user1:secret@h/live', false)).toBe('rtmp://***@h/live');
    expect(redactUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop', true)).toBe('rtmp://a.rtmp.youtube.com/live2/abcd…');
    expect(redactUrl('rtmp://h/live?token=s3cret&user=bob', false)).toBe('rtmp://h/live?token=***&user=***');
    expect(redactKey('abcd-efgh')).toBe('abcd…');
    expect(redactKey('abc')).toBe('…');
  });
});

describe('rejectionHint', () => {
  const hint = (refused: 'connect' | 'publish', url: string, fullUrl: boolean): string => {
    const target = resolvePushTarget(url, 'cam', fullUrl, 'rtmp_');
    return rejectionHint(refused, target.url, target.streamName);
  };

  test('a refused application ending with what looks like a key: full-URL mode is suggested, the key shortened', () => {
    expect(hint('connect', 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop', false)).toBe(
      "the target refused the application 'live2/abcd…': is this a full URL ending with the stream key? set rtmpTransponderFullUrl: true in the call (or rtmp_transponder_full_url=true) to publish 'abcd…' in 'live2'",
    );
  });

  test('a refused one-segment application: check it, and the credentials when the URL has some', () => {
    expect(hint('connect', 'rtmp://h/live?token=abc', false)).toBe("the target refused the application 'live': check the application in the URL");
    expect(hint('connect', 'rtmp://u:p@h/live', false)).toBe("the target refused the application 'live': check the application in the URL, and its user and password");
  });

  test('a refused stream key (full URL) is shown shortened; a refused stream name suggests a key at the end of the URL', () => {
    expect(hint('publish', 'rtmp://h/live2/abcd-efgh-ijkl-mnop', true)).toBe(
      "the target refused the stream key 'abcd…' in the application 'live2': check the key (is it current, and not in use by another encoder?)",
    );
    expect(hint('publish', 'rtmp://h/live', false)).toBe(
      "the target refused the stream name 'rtmp_cam' in the application 'live': if it expects a stream key, put the key at the end of the URL and set rtmpTransponderFullUrl: true in the call (or rtmp_transponder_full_url=true)",
    );
  });
});
