import { createLogger } from '../../../server/log';
import { MAX_HOOK_ANSWER_BYTES, RestHookClient, type RestHookOptions } from '../../../server/hooks/rest-hook-client';
import { HookBackend } from '../../support/hook-backend';

describe('RestHookClient', () => {
  let backend: HookBackend;
  let lines: string[];
  let clients: RestHookClient[];

  function client(options: Partial<RestHookOptions> = {}): RestHookClient {
    const made = new RestHookClient({ baseUrl: backend.baseUrl, timeoutMs: 2000, onError: 'refuse', ...options }, createLogger('debug', { write: (line: string) => void lines.push(line) }));
    clients.push(made);
    return made;
  }

  beforeEach(async () => {
    backend = await HookBackend.start();
    lines = [];
    clients = [];
  });

  afterEach(async () => {
    for (const made of clients) made.close();
    await backend.close();
  });

  test('POSTs the body as JSON to <base>/<method>; 200 allows with the fields of the answer', async () => {
    backend.answer = (request) => ({ status: 200, body: { ...request.body, name: 'renamed' } });
    const verdict = await client().call('publishStream', { name: 'cam', mediaSessionId: 'id-1' });
    expect(verdict).toEqual({ allowed: true, fields: { name: 'renamed', mediaSessionId: 'id-1' } });
    expect(backend.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/apps/test/publishStream', body: { name: 'cam', mediaSessionId: 'id-1' } })]);
    expect(backend.requests[0]!.headers['content-type']).toBe('application/json');
  });

  test('a trailing slash on the base URL makes no double slash', async () => {
    await client({ baseUrl: `${backend.baseUrl}/` }).call('connect', {});
    expect(backend.requests[0]!.path).toBe('/apps/test/connect');
  });

  test('200 with an empty or non-object body allows with no fields', async () => {
    backend.answer = () => ({ status: 200 });
    expect(await client().call('connect', {})).toEqual({ allowed: true, fields: {} });
    backend.answer = () => ({ status: 200, body: '[1,2]' });
    expect(await client().call('connect', {})).toEqual({ allowed: true, fields: {} });
  });

  test('403 refuses, whatever the error setting says', async () => {
    backend.answer = () => ({ status: 403 });
    expect(await client({ onError: 'allow' }).call('connect', {})).toEqual({ allowed: false, cause: 'forbidden' });
  });

  test.each(['allow', 'refuse'] as const)('a failure (500, a redirect, an oversized answer, no server) is decided by onError=%s', async (onError) => {
    const failed = onError === 'allow' ? { allowed: true, fields: {} } : { allowed: false, cause: 'unavailable' };
    const hooks = client({ onError });
    backend.answer = () => ({ status: 500 });
    expect(await hooks.call('connect', {})).toEqual(failed);
    backend.answer = (request) => (request.path.endsWith('/elsewhere') ? { status: 200 } : { status: 302, headers: { location: `${backend.baseUrl}/elsewhere` } });
    expect(await hooks.call('connect', {})).toEqual(failed);
    expect(backend.calls('elsewhere')).toEqual([]);
    backend.answer = () => ({ status: 200, body: JSON.stringify({ pad: 'x'.repeat(MAX_HOOK_ANSWER_BYTES) }) });
    expect(await hooks.call('connect', {})).toEqual(failed);
    expect(await client({ onError, baseUrl: 'http://127.0.0.1:1/none' }).call('connect', {})).toEqual(failed);
    expect(lines.filter((line) => line.includes('REST hook failed')).length).toBe(4);
  });

  test.each(['allow', 'refuse'] as const)('a backend that does not answer in time is abandoned at the timeout, then onError=%s decides', async (onError) => {
    backend.answer = () => 'hang';
    const started = performance.now();
    const verdict = await client({ onError, timeoutMs: 300 }).call('connect', {});
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(verdict).toEqual(onError === 'allow' ? { allowed: true, fields: {} } : { allowed: false, cause: 'unavailable' });
  });

  test('an answer streamed past the size bound is cut off, not buffered', async () => {
    backend.answer = () => ({ status: 200, body: 'x'.repeat(4 * MAX_HOOK_ANSWER_BYTES), headers: { 'transfer-encoding': 'chunked' } });
    expect(await client().call('connect', {})).toEqual({ allowed: false, cause: 'unavailable' });
    expect(lines.join('\n')).toContain(`over ${MAX_HOOK_ANSWER_BYTES} bytes`);
  });

  test('close() abandons a call in flight quietly', async () => {
    backend.answer = () => 'hang';
    const hooks = client({ timeoutMs: 10_000 });
    const pending = hooks.call('connect', {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    hooks.close();
    expect(await pending).toEqual({ allowed: false, cause: 'unavailable' });
    expect(lines.filter((line) => line.includes('REST hook failed'))).toEqual([]);
  });

  test('user:password in the base URL is sent as Basic auth; neither it nor the body reaches the log', async () => {
    const url = new URL(backend.baseUrl);
    url.username = 'user';
    url.password = 'secret-password';
    backend.answer = () => ({ status: 500 });
    await client({ baseUrl: url.href }).call('connect', { authToken: 'secret-token' });
    expect(backend.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('user:secret-password').toString('base64')}`);
    expect(backend.requests[0]!.body).toEqual({ authToken: 'secret-token' });
    expect(lines.join('\n')).toContain('REST hook failed');
    expect(lines.join('\n')).not.toMatch(/secret-token|secret-password/);
  });
});
