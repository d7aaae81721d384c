import type { EndReason } from '../../../server/hub/end-reason';
import pino from 'pino';
import WebSocket from 'ws';
import type { PublishStreamRequest } from '../../../server/signalling/protocol';
import { PublishRejectedError, type PublishCallbacks, type PublishService } from '../../../server/signalling/publish-service';
import { SignallingServer } from '../../../server/signalling/signalling-server';
import { getFreePort } from '../../support/ports';
import { testSignallingOptions } from '../../support/signalling-options';

/** The media side, reduced to what the signalling needs: records calls, lets the test drive callbacks. */
class RecordingPublishService implements PublishService {
  readonly requests: PublishStreamRequest[] = [];
  readonly stops: string[] = [];
  #stopped: (info: string) => void = () => undefined;
  /** Resolves with the reason of the next stop. */
  readonly nextStop = (): Promise<string> => new Promise((resolve) => (this.#stopped = resolve));
  callbacks: PublishCallbacks | undefined;
  reject: string | undefined;

  async publish(offered: PublishStreamRequest, callbacks: PublishCallbacks): Promise<{ answerSdp: string; stop(reason: EndReason): void }> {
    if (this.reject) throw new PublishRejectedError(this.reject);
    const request = await callbacks.authorize(offered);
    this.requests.push(request);
    this.callbacks = callbacks;
    return {
      answerSdp: 'v=0\r\nanswer',
      stop: ({ info }) => {
        this.stops.push(info);
        this.#stopped(info);
        callbacks.onEnded(info, false);
      },
    };
  }
}

/** A WebSocket client that collects server frames and can wait for one by name. */
class Client {
  readonly frames: Array<{ message: string; data: unknown[] }> = [];
  private waiters: Array<{ name: string; resolve: (f: { message: string; data: unknown[] }) => void }> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { message: string; data: unknown[] };
      this.frames.push(frame);
      for (const w of this.waiters.filter((w) => w.name === frame.message)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    });
  }
  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Client(ws);
  }
  send(message: string, data: unknown): void {
    this.ws.send(JSON.stringify({ message, data: [data] }));
  }
  next(name: string): Promise<{ message: string; data: unknown[] }> {
    return new Promise((resolve) => this.waiters.push({ name, resolve }));
  }
}

const OFFER = { mediaSessionId: 'id-1', name: 'cam', published: true, hasVideo: true, hasAudio: true, status: 'PENDING', mediaProvider: 'WebRTC', sdp: 'v=0\r\noffer' };

describe('WCS signalling session', () => {
  let server: SignallingServer;
  let publisher: RecordingPublishService;
  let url: string;

  beforeEach(async () => {
    publisher = new RecordingPublishService();
    server = new SignallingServer(publisher, pino({ level: 'silent' }), testSignallingOptions());
    const port = await getFreePort();
    await server.listen({ host: '127.0.0.1', wsPort: port, wssPort: 0 });
    url = `ws://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await server.close();
  });

  test('connection → getUserData with a sessionId; ping → pong', async () => {
    const client = await Client.open(url);
    const userData = client.next('getUserData');
    client.send('connection', { appKey: 'defaultApp', clientVersion: '2.0' });
    expect((await userData).data[0]).toMatchObject({ appKey: 'defaultApp', sessionId: expect.any(String), authToken: expect.any(String) });
    const pong = client.next('pong');
    client.send('ping', null);
    expect((await pong).data).toEqual([null]);
    client.ws.close();
  });

  test('publishStream → setRemoteSDP [id, answer] → PUBLISHING; unPublishStream → UNPUBLISHED', async () => {
    const client = await Client.open(url);
    client.send('connection', { appKey: 'defaultApp' });
    await client.next('getUserData');
    const answer = client.next('setRemoteSDP');
    client.send('publishStream', { ...OFFER, rtmpUrl: 'rtmp://h/live', maxBitrate: 900 });
    expect((await answer).data).toEqual(['id-1', 'v=0\r\nanswer']);
    expect(publisher.requests[0]).toMatchObject({ name: 'cam', mediaSessionId: 'id-1', rtmpUrl: 'rtmp://h/live', maxBitrate: 900 });
    const publishing = client.next('notifyStreamStatusEvent');
    publisher.callbacks!.onPublishing();
    expect((await publishing).data[0]).toMatchObject({ mediaSessionId: 'id-1', name: 'cam', status: 'PUBLISHING' });
    const unpublished = client.next('notifyStreamStatusEvent');
    client.send('unPublishStream', { mediaSessionId: 'id-1', name: 'cam' });
    expect((await unpublished).data[0]).toMatchObject({ status: 'UNPUBLISHED', info: 'Stopped by publisher stop' });
    client.ws.close();
  });

  test('refusals arrive as FAILED with WCS info strings; the session stays usable', async () => {
    const client = await Client.open(url);
    let failed = client.next('notifyStreamStatusEvent');
    client.send('publishStream', OFFER);
    expect((await failed).data[0]).toMatchObject({ status: 'FAILED', info: 'Session not ready' });
    client.send('connection', {});
    await client.next('getUserData');
    publisher.reject = 'Stream name is already in use';
    failed = client.next('notifyStreamStatusEvent');
    client.send('publishStream', OFFER);
    expect((await failed).data[0]).toMatchObject({ mediaSessionId: 'id-1', status: 'FAILED', info: 'Stream name is already in use' });
    failed = client.next('notifyStreamStatusEvent');
    client.send('publishStream', { ...OFFER, sdp: 'not sdp' });
    expect((await failed).data[0]).toMatchObject({ status: 'FAILED', info: 'publishStream has no SDP offer' });
    const fail = client.next('fail');
    client.ws.send('{not json');
    expect((await fail).data[0]).toMatchObject({ info: 'frame is not valid JSON' });
    const pong = client.next('pong');
    client.send('ping', null);
    await pong;
    client.ws.close();
  });

  test('a closed socket stops its publishes with "Stopped by session disconnect"', async () => {
    const client = await Client.open(url);
    client.send('connection', {});
    await client.next('getUserData');
    const answer = client.next('setRemoteSDP');
    client.send('publishStream', OFFER);
    await answer;
    const stopped = publisher.nextStop();
    client.ws.close();
    expect(await stopped).toBe('Stopped by session disconnect');
    expect(publisher.stops).toEqual(['Stopped by session disconnect']);
  });
});
