import { GatewayError } from '../../../server/errors';
import { pushRequestOfOme } from '../../../server/rest/ome/ome-push-request';
import { isoWithOffset } from '../../../server/rest/ome/ome-push-view';

describe('OME startPush bodies as push requests', () => {
  const body = (over: Record<string, unknown>) => ({ id: 'p1', stream: { name: 'cam' }, protocol: 'rtmp', url: 'rtmp://h/live', ...over });

  test('RTMP: the stream key is the last segment of the URL (no prefix), the push is reserved and scoped', () => {
    expect(pushRequestOfOme(body({ streamKey: 'abc' }), 'default/app')).toEqual({
      id: 'p1', sourceName: 'cam', url: 'rtmp://h/live/abc', fullUrl: true, tracks: { video: true, audio: true }, reserve: true, scope: 'default/app',
    });
    expect(pushRequestOfOme(body({ url: 'rtmp://h/live//', streamKey: 'abc' }), 's').url).toBe('rtmp://h/live/abc');
  });

  test('SRT: the stream key becomes the streamid unless the URL has one; MPEG-TS ignores it', () => {
    expect(pushRequestOfOme(body({ protocol: 'srt', url: 'srt://h:9000', streamKey: 'a b' }), 's').url).toBe('srt://h:9000?streamid=a%20b');
    expect(pushRequestOfOme(body({ protocol: 'srt', url: 'srt://h:9000?latency=200', streamKey: 'k' }), 's').url).toBe('srt://h:9000?latency=200&streamid=k');
    expect(pushRequestOfOme(body({ protocol: 'srt', url: 'srt://h:9000?streamid=x', streamKey: 'k' }), 's').url).toBe('srt://h:9000?streamid=x');
    expect(pushRequestOfOme(body({ protocol: 'MPEGTS', url: 'udp://h:1234', streamKey: 'k' }), 's').url).toBe('udp://h:1234');
  });

  test('variantNames select tracks; unknown names, track ids and a URL of another protocol are refused', () => {
    expect(pushRequestOfOme(body({ stream: { name: 'cam', variantNames: ['audio'] } }), 's').tracks).toEqual({ video: false, audio: true });
    const refused = (over: Record<string, unknown>) => {
      try {
        pushRequestOfOme(body(over), 's');
      } catch (err) {
        return err instanceof GatewayError ? `${err.code}: ${err.message}` : 'not a GatewayError';
      }
      return 'accepted';
    };
    expect(refused({ stream: { name: 'cam', variantNames: ['video', 'opus'] } })).toMatch(/^INVALID_BODY: .*unknown track 'opus'/);
    expect(refused({ stream: { name: 'cam', trackIds: [1] } })).toMatch(/^INVALID_BODY: .*variantNames/);
    expect(refused({ protocol: 'mpegts' })).toBe("INVALID_BODY: protocol 'mpegts' needs a udp:// url");
    expect(refused({ url: 'srt://h:1' })).toBe("INVALID_BODY: protocol 'rtmp' needs a rtmp:// or rtmps:// url");
  });
});

describe('OME times', () => {
  test('local time with a ±hhmm offset that parses back to the same instant', () => {
    for (const ms of [0, 1_612_370_560_160, Date.now()]) {
      const text = isoWithOffset(ms);
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/);
      expect(Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).toBe(ms);
    }
  });
});
