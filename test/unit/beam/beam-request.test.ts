import { BEAM_ERRORS, BeamError, DEFAULT_RESOLUTION, parseBeamRequest, parseResolution } from '../../../server/beam/beam-request';

function codeOf(body: unknown): number | undefined {
  try {
    parseBeamRequest(body);
    return undefined;
  } catch (err) {
    return err instanceof BeamError ? err.code : -1;
  }
}

const START = { operation: 'start', room_id: '64ad6e1f9f1ba4ab3c2d5f0e', meeting_url: 'https://app.example.com/meeting/abc-def-ghi', record: true };

describe('beam requests', () => {
  test('a start with defaults, a stop', () => {
    expect(parseBeamRequest(START)).toEqual({ operation: 'start', roomId: START.room_id, meetingUrl: START.meeting_url, rtmpUrls: [], record: true, resolution: DEFAULT_RESOLUTION });
    expect(parseBeamRequest({ ...START, record: false, rtmp_urls: ['rtmp://a/live/k', 'rtmps://b:443/app/k2'] })).toMatchObject({ rtmpUrls: ['rtmp://a/live/k', 'rtmps://b:443/app/k2'], record: false });
    expect(parseBeamRequest({ operation: 'stop', room_id: 'r1' })).toEqual({ operation: 'stop', roomId: 'r1' });
  });

  test('each refusal in 100ms\'s order of checks', () => {
    expect(codeOf(null)).toBe(9);
    expect(codeOf({ ...START, operation: undefined })).toBe(9);
    expect(codeOf({ ...START, operation: 'START' })).toBe(8);
    expect(codeOf({ ...START, room_id: '' })).toBe(3);
    expect(codeOf({ ...START, room_id: 42 })).toBe(4);
    expect(codeOf({ ...START, room_id: 'a/b' })).toBe(4);
    expect(codeOf({ ...START, room_id: 'x'.repeat(65) })).toBe(4);
    expect(codeOf({ ...START, meeting_url: undefined })).toBe(6);
    expect(codeOf({ ...START, meeting_url: 'file:///etc/passwd' })).toBe(7);
    expect(codeOf({ ...START, meeting_url: 'not a url' })).toBe(7);
    expect(codeOf({ ...START, record: false })).toBe(5);
    expect(codeOf({ ...START, rtmp_urls: 'rtmp://a/b' })).toBe(5);
    expect(codeOf({ ...START, rtmp_urls: ['rtmp://a/1', 'rtmp://a/2', 'rtmp://a/3', 'rtmp://a/4'] })).toBe(5);
    expect(codeOf({ ...START, resolution: { width: 1280 } })).toBe(11);
    expect(new BeamError(10).message).toBe(BEAM_ERRORS[10]);
    expect(new BeamError(10).status).toBe(404);
  });

  test('100ms\'s resolutions: landscape up to 1920×1080, portrait up to 1080×1920, nothing below 500×480', () => {
    for (const [width, height] of [[500, 480], [1280, 720], [1920, 1080], [1080, 1920], [500, 500], [1080, 1080], [720, 1280]] as const) {
      expect(parseResolution({ width, height })).toEqual({ width, height });
    }
    for (const [width, height] of [[498, 480], [500, 478], [1922, 1080], [1920, 1082], [1082, 1920], [1080, 1922], [1200, 1200], [641, 480], [640.5, 480]] as const) {
      expect(() => parseResolution({ width, height })).toThrow(BEAM_ERRORS[11]);
    }
    expect(parseResolution(undefined)).toEqual(DEFAULT_RESOLUTION);
    expect(() => parseResolution('1280x720')).toThrow(BEAM_ERRORS[11]);
  });
});
