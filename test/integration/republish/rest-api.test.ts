import { startTestGateway, type TestGateway } from '../../support/gateway-harness';

/** Every error case of /rest-api/push/*, on status and body, with no browser needed. */
describe('REST API errors', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ corsOrigins: ['https://app.example.com'] });
  });

  afterAll(async () => {
    await gw?.close();
  });

  test('malformed JSON is a 400 with a message, never a stack trace', async () => {
    const res = await gw.api('/rest-api/push/startup', '{"streamName": "s1", ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, error: 'Bad Request', code: 'INVALID_JSON', path: '/rest-api/push/startup' });
    expect(res.body.message).toMatch(/^Malformed JSON body/);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  test.each([
    ['a missing rtmpUrl', { streamName: 's1' }, 'INVALID_BODY', 'rtmpUrl is required'],
    ['a missing streamName', { rtmpUrl: 'rtmp://127.0.0.1/live' }, 'INVALID_BODY', 'streamName is required'],
    ['a non-string rtmpUrl', { streamName: 's1', rtmpUrl: 42 }, 'INVALID_BODY', 'rtmpUrl must be string'],
    ['a body that is not an object', [1, 2], 'INVALID_BODY', 'the body must be a JSON object'],
    ['an http:// rtmpUrl', { streamName: 's1', rtmpUrl: 'http://example.com/live' }, 'INVALID_URL', 'only rtmp://, rtmps://, udp:// and srt:// are accepted'],
    ['an rtmpUrl without host', { streamName: 's1', rtmpUrl: 'rtmp:///live' }, 'INVALID_URL', 'Invalid rtmpUrl'],
    ['an rtmpUrl with a bad port', { streamName: 's1', rtmpUrl: 'rtmp://127.0.0.1:99999/live' }, 'INVALID_URL', 'port'],
    ['an rtmpUrl that is not a URL', { streamName: 's1', rtmpUrl: 'live stream' }, 'INVALID_URL', 'Invalid rtmpUrl'],
    ['full-URL mode without a stream name', { streamName: 's1', rtmpUrl: 'rtmp://127.0.0.1/live/', rtmpTransponderFullUrl: true }, 'INVALID_URL', 'no stream name'],
  ])('startup with %s is a 400', async (_what, body, code, message) => {
    const res = await gw.api('/rest-api/push/startup', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
    expect(res.body.message).toContain(message);
  });

  test('startup for a stream that is not published is a 404 that says so', async () => {
    const res = await gw.api('/rest-api/push/startup', { streamName: 'nobody', rtmpUrl: 'rtmp://127.0.0.1/live' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'STREAM_NOT_FOUND' });
    expect(res.body.message).toContain("Stream 'nobody' is not published");
  });

  test('find and find_all answer 404 when nothing matches; find_all accepts GET and POST', async () => {
    for (const res of [await gw.api('/rest-api/push/find_all'), await gw.api('/rest-api/push/find_all', {}), await gw.api('/rest-api/push/find', { streamName: 'x' })]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'TRANSPONDER_NOT_FOUND', message: 'Transponder not found' });
    }
  });

  test.each(['terminate', 'mute', 'unmute', 'sound_off'])('%s of an unknown mediaSessionId is a 404; without one a 400', async (call) => {
    const unknown = await gw.api(`/rest-api/push/${call}`, { mediaSessionId: 'no-such-id' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('Transponder not found: no-such-id');
    const missing = await gw.api(`/rest-api/push/${call}`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('mediaSessionId is required');
  });

  test('an unknown endpoint is a JSON 404; a huge body is a 413', async () => {
    const unknown = await gw.api('/rest-api/push/explode', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('No such endpoint: POST /rest-api/push/explode');
    const huge = await gw.api('/rest-api/push/startup', { streamName: 'x'.repeat(200_000), rtmpUrl: 'rtmp://h/a' });
    expect(huge.status).toBe(413);
  });

  test('CORS answers the configured origins only; a body that is not declared JSON is a 415', async () => {
    const preflight = (origin: string) => fetch(`${gw.httpUrl}/rest-api/push/startup`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('content-type');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // What a cross-site form or a no-preflight fetch can send: refused before anything happens.
    const plain = await fetch(`${gw.httpUrl}/rest-api/push/startup`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ streamName: 's1', rtmpUrl: 'rtmp://h/a' }) });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('the OpenAPI document describes every push endpoint from the same schemas, and the console\'s', async () => {
    const res = await gw.api('/rest-api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const call of ['startup', 'find', 'find_all', 'terminate', 'mute', 'unmute', 'sound_on', 'sound_off']) {
      expect(res.body.paths[`/rest-api/push/${call}`]).toBeDefined();
    }
    expect(res.body.paths['/rest-api/push/find_all'].get).toBeDefined();
    expect(Object.keys(res.body.paths['/rest-api/console/events'].get.responses[200].content)).toEqual(['text/event-stream']);
    expect(res.body.paths['/rest-api/console/sounds'].get).toBeDefined();
    expect(res.body.paths['/rest-api/push/startup'].post.requestBody.content['application/json'].schema.required).toEqual(['streamName', 'rtmpUrl']);
    expect(res.body.components.schemas.Transponder.required).toEqual(expect.arrayContaining(['mediaSessionId', 'streamName', 'rtmpUrl', 'width', 'height', 'muted', 'soundEnabled', 'options']));
  });

  test('the demo page and the SDK bundle are served', async () => {
    const page = await fetch(`${gw.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('gateway-sdk.js');
    const sdk = await fetch(`${gw.httpUrl}/web-sdk/gateway-sdk.js`);
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toContain('Flashphoner');
    const info = await gw.api('/web-sdk/server-info.json');
    expect(info.body).toEqual({ wsPort: gw.settings.wsPort, wssPort: null });
  });
});
