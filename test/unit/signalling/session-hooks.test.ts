import pino from 'pino';
import type { RestHookOnError } from '../../../server/hooks/rest-hook-client';
import type { PublishCallbacks, PublishHandle, PublishService } from '../../../server/signalling/publish-service';
import type { PublishStreamRequest } from '../../../server/signalling/protocol';
import { SignallingServer } from '../../../server/signalling/signalling-server';
import { HookBackend } from '../../support/hook-backend';
import { getFreePort } from '../../support/ports';
import { SignallingClient, within } from '../../support/signalling-client';
import { testSignallingOptions } from '../../support/signalling-options';

/** Records what each publish was authorized as. */
class RecordingPublishService implements PublishService {
  readonly granted: PublishStreamRequest[] = [];

  async publish(offered: PublishStreamRequest, callbacks: PublishCallbacks): Promise<PublishHandle> {
    this.granted.push(await callbacks.authorize(offered));
    return { answerSdp: 'v=0\r\n', stop: (reason) => callbacks.onEnded(reason.info, false) };
  }
}

const OFFER = { mediaSessionId: 'id-1', name: 'cam', published: true, hasVideo: true, hasAudio: false, status: 'PENDING', sdp: 'v=0\r\n', rtmpUrl: 'rtmp://client/live', custom: { room: 'r1', nested: { no: true } } };

/** The signalling with REST hooks: what the backend is sent, and what its answers do to the client. */
describe('signalling with REST hooks', () => {
  let backend: HookBackend;
  let server: SignallingServer | undefined;
  let publisher: RecordingPublishService;
  let url: string;

  async function start(onError: RestHookOnError = 'refuse', timeoutMs = 2000): Promise<void> {
    publisher = new RecordingPublishService();
    server = new SignallingServer(publisher, pino({ level: 'silent' }), testSignallingOptions({}, { hooks: { baseUrl: backend.baseUrl, timeoutMs, onError } }));
    const port = await getFreePort();
    await server.listen({ host: '127.0.0.1', wsPort: port, wssPort: 0 });
    url = `ws://127.0.0.1:${port}`;
  }

  beforeEach(async () => {
    backend = await HookBackend.start();
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await backend.close();
  });

  test('connect carries the authToken of the connection message and WCS fields; getUserData never echoes the token', async () => {
    await start();
    const client = await SignallingClient.open(url);
    const userData = await client.connect({ appKey: 'defaultApp', authToken: 'client-secret', clientVersion: '2.0', keepAlive: false, custom: { user: 'u1' } });
    const [call] = backend.calls('connect');
    expect(call!.body).toEqual({ nodeId: expect.any(String), appKey: 'defaultApp', sessionId: userData.sessionId, authToken: 'client-secret', clientVersion: '2.0', keepAlive: false, custom: { user: 'u1' } });
    expect(JSON.stringify(userData)).not.toContain('client-secret');
  });

  test('connect answered 403: the client gets fail (ConnectionStatusEvent, Restricted access) and is closed with 1008', async () => {
    await start('allow');
    backend.answer = () => ({ status: 403 });
    const client = await SignallingClient.open(url);
    const fail = client.next('fail');
    client.send('connection', { appKey: 'defaultApp', authToken: 'bad' });
    expect((await fail).data[0]).toEqual({ apiMethod: 'ConnectionStatusEvent', status: 'FAILED', info: 'Restricted access' });
    expect(await within(client.closed, 3000, 'the close')).toEqual({ code: 1008, reason: 'Restricted access' });
    expect(client.frames.map((f) => f.message)).toEqual(['fail']);
  });

  test('publishStream carries WCS stream fields; 200 allows and the backend may rename the stream and change rtmpUrl', async () => {
    await start();
    backend.answer = (request) => ({ status: 200, body: request.path.endsWith('/publishStream') ? { ...request.body, name: 'renamed', rtmpUrl: 'rtmp://backend/live' } : request.body });
    const client = await SignallingClient.open(url);
    const { sessionId } = await client.connect();
    const answer = client.next('setRemoteSDP');
    client.send('publishStream', OFFER);
    await answer;
    expect(backend.calls('publishStream')[0]!.body).toEqual({
      nodeId: expect.any(String),
      appKey: 'defaultApp',
      sessionId,
      mediaSessionId: 'id-1',
      name: 'cam',
      published: true,
      hasVideo: true,
      hasAudio: false,
      status: 'PENDING',
      record: false,
      mediaProvider: 'WebRTC',
      rtmpUrl: 'rtmp://client/live',
      custom: { room: 'r1' },
    });
    expect(publisher.granted).toEqual([expect.objectContaining({ name: 'renamed', rtmpUrl: 'rtmp://backend/live' })]);
    // The client hears of its stream under the name it now has.
    const unpublished = client.next('notifyStreamStatusEvent');
    client.send('unPublishStream', { mediaSessionId: 'id-1' });
    expect((await unpublished).data[0]).toMatchObject({ mediaSessionId: 'id-1', name: 'renamed', status: 'UNPUBLISHED' });
  });

  test('an empty rtmpUrl from the backend cancels the republishing the client asked for', async () => {
    await start();
    backend.answer = (request) => ({ status: 200, body: { ...request.body, rtmpUrl: '' } });
    const client = await SignallingClient.open(url);
    await client.connect();
    const answer = client.next('setRemoteSDP');
    client.send('publishStream', OFFER);
    await answer;
    expect(publisher.granted[0]).not.toHaveProperty('rtmpUrl');
  });

  test('publishStream answered 403: the stream gets FAILED with Restricted access; the session stays usable', async () => {
    await start('allow');
    backend.answer = (request) => (request.path.endsWith('/publishStream') ? { status: 403 } : { status: 200 });
    const client = await SignallingClient.open(url);
    await client.connect();
    const failed = client.next('notifyStreamStatusEvent');
    client.send('publishStream', OFFER);
    expect((await failed).data[0]).toMatchObject({ mediaSessionId: 'id-1', name: 'cam', status: 'FAILED', info: 'Restricted access' });
    expect(publisher.granted).toEqual([]);
    const pong = client.next('pong');
    client.send('ping', null);
    await pong;
  });

  test.each([
    ['refuse', 'the session is refused: Authorization backend unavailable'],
    ['allow', 'the session and its publish go ahead'],
  ] as const)('a backend that does not answer in time, with rest_hook_on_error=%s: %s', async (onError, _outcome) => {
    await start(onError, 300);
    backend.answer = () => 'hang';
    const client = await SignallingClient.open(url);
    if (onError === 'refuse') {
      const fail = client.next('fail');
      client.send('connection', { appKey: 'defaultApp' });
      expect((await fail).data[0]).toMatchObject({ apiMethod: 'ConnectionStatusEvent', info: 'Authorization backend unavailable' });
      expect((await within(client.closed, 3000, 'the close')).code).toBe(1008);
      return;
    }
    await client.connect();
    const answer = client.next('setRemoteSDP');
    client.send('publishStream', OFFER);
    await answer;
    expect(publisher.granted).toEqual([expect.objectContaining({ name: 'cam', rtmpUrl: 'rtmp://client/live' })]);
  });

  test('a client that leaves while its publishStream hook is pending publishes nothing', async () => {
    await start();
    let answerHook: () => void = () => undefined;
    backend.answer = (request) => (request.path.endsWith('/publishStream') ? 'hang' : { status: 200 });
    const client = await SignallingClient.open(url);
    await client.connect();
    const asked = new Promise<void>((resolve) => (answerHook = resolve));
    const previous = backend.answer;
    backend.answer = (request) => {
      if (request.path.endsWith('/publishStream')) answerHook();
      return previous(request);
    };
    client.send('publishStream', OFFER);
    await asked;
    client.close();
    await client.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(publisher.granted).toEqual([]);
  });
});
