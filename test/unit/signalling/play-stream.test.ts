import pino from 'pino';
import type { EndReason } from '../../../server/hub/end-reason';
import { PlayRejectedError, type PlayEvents, type PlayHandle, type PlayRequest, type PlayService } from '../../../server/signalling/play-service';
import { MAX_PLAYS_PER_SESSION } from '../../../server/signalling/session-plays';
import { SignallingServer } from '../../../server/signalling/signalling-server';
import { getFreePort } from '../../support/ports';
import { SignallingClient, type ServerFrame } from '../../support/signalling-client';
import { testSignallingOptions } from '../../support/signalling-options';

/** One play the fake service was asked for. */
interface FakePlay {
  request: PlayRequest;
  events: PlayEvents;
  /** The reasons stop() was called with. */
  stops: EndReason[];
  /** Resolves with the reason of the first stop. */
  stopped: Promise<EndReason>;
  /** Settles the play() call (for a service told to hold its answers). */
  answer(): void;
}

/** The media side reduced to what the signalling needs: records plays, lets the test drive their events. */
class FakePlayService implements PlayService {
  readonly plays: FakePlay[] = [];
  /** play() rejects with this. */
  failWith: Error | undefined;
  /** play() waits for answer() before resolving. */
  hold = false;
  #asked: (play: FakePlay) => void = () => undefined;

  /** Resolves with the next play asked for. */
  nextPlay(): Promise<FakePlay> {
    return new Promise((resolve) => (this.#asked = resolve));
  }

  play(request: PlayRequest, events: PlayEvents): Promise<PlayHandle> {
    if (this.failWith) return Promise.reject(this.failWith);
    return new Promise((resolve) => {
      let firstStop: (reason: EndReason) => void = () => undefined;
      const stopped = new Promise<EndReason>((resolveStop) => (firstStop = resolveStop));
      const play: FakePlay = { request, events, stops: [], stopped, answer: () => resolve(handle) };
      const handle: PlayHandle = {
        answerSdp: `v=0\r\nanswer-${request.mediaSessionId}`,
        // As a real service does: stopping ends the playback, which reports its end.
        stop: (reason) => {
          play.stops.push(reason);
          firstStop(reason);
          events.onEnded(reason.info, false);
        },
      };
      this.plays.push(play);
      this.#asked(play);
      if (!this.hold) play.answer();
    });
  }
}

const OFFER = { mediaSessionId: 'p-1', name: 'cam', published: false, hasVideo: true, hasAudio: true, status: 'PENDING', mediaProvider: 'WebRTC', sdp: 'v=0\r\nrecvonly offer' };

/** The notifyStreamStatusEvent frames sent about `mediaSessionId`, as [status, info]. */
function statusesOf(client: SignallingClient, mediaSessionId: string): Array<[string, string]> {
  return client.frames
    .filter((frame: ServerFrame) => frame.message === 'notifyStreamStatusEvent' && frame.data[0].mediaSessionId === mediaSessionId)
    .map((frame) => [frame.data[0].status, frame.data[0].info]);
}

describe('WCS playStream / stopStream', () => {
  let server: SignallingServer;
  let player: FakePlayService;
  let url: string;

  async function start(withPlayer: boolean): Promise<void> {
    player = new FakePlayService();
    server = new SignallingServer({ publish: () => Promise.reject(new Error('not used')) }, pino({ level: 'silent' }), testSignallingOptions({}, withPlayer ? { player } : {}));
    const port = await getFreePort();
    await server.listen({ host: '127.0.0.1', wsPort: port, wssPort: 0 });
    url = `ws://127.0.0.1:${port}`;
  }

  async function connected(): Promise<SignallingClient> {
    const client = await SignallingClient.open(url);
    await client.connect();
    return client;
  }

  /** Sends playStream for `mediaSessionId` and resolves with the server's answer SDP frame. */
  async function playUntilAnswered(client: SignallingClient, mediaSessionId: string, name = 'cam'): Promise<ServerFrame> {
    const answer = client.next('setRemoteSDP');
    client.send('playStream', { ...OFFER, mediaSessionId, name });
    return answer;
  }

  afterEach(async () => {
    await server.close();
  });

  describe('with a play service', () => {
    beforeEach(() => start(true));

    test('playStream → setRemoteSDP [id, answer] → PLAYING; stopStream stops the play → STOPPED once', async () => {
      const client = await connected();
      expect((await playUntilAnswered(client, 'p-1')).data).toEqual(['p-1', 'v=0\r\nanswer-p-1']);
      const [play] = player.plays;
      expect(play.request).toEqual({ mediaSessionId: 'p-1', name: 'cam', sdp: OFFER.sdp });

      const playing = client.next('notifyStreamStatusEvent');
      play.events.onPlaying();
      expect((await playing).data[0]).toEqual({ mediaSessionId: 'p-1', name: 'cam', published: false, status: 'PLAYING', info: '' });

      const stopped = client.next('notifyStreamStatusEvent');
      client.send('stopStream', { mediaSessionId: 'p-1', name: 'cam', published: false });
      expect((await stopped).data[0]).toMatchObject({ mediaSessionId: 'p-1', status: 'STOPPED', info: 'Stopped by user', published: false });
      expect(play.stops).toEqual([{ code: 'publisher-stop', info: 'Stopped by user' }]);

      // A second stop, and the service reporting the end again, change nothing.
      client.send('stopStream', { mediaSessionId: 'p-1' });
      play.events.onEnded('Stopped by user', false);
      const pong = client.next('pong');
      client.send('ping', null);
      await pong;
      expect(statusesOf(client, 'p-1')).toEqual([['PLAYING', ''], ['STOPPED', 'Stopped by user']]);
      expect(play.stops).toHaveLength(1);
      client.close();
    });

    test('refusals arrive as FAILED: an unknown stream in WCS words, the others with the service\'s message', async () => {
      const client = await connected();
      player.failWith = new PlayRejectedError('unknown-stream', 'no stream named "nope" is published');
      let failed = client.next('notifyStreamStatusEvent');
      client.send('playStream', { ...OFFER, name: 'nope' });
      expect((await failed).data[0]).toEqual({ mediaSessionId: 'p-1', name: 'nope', published: false, status: 'FAILED', info: 'Stream not found' });

      player.failWith = new PlayRejectedError('bad-offer', 'The offer has no receive-only video or audio section');
      failed = client.next('notifyStreamStatusEvent');
      client.send('playStream', OFFER);
      expect((await failed).data[0]).toMatchObject({ status: 'FAILED', info: 'The offer has no receive-only video or audio section' });

      player.failWith = new Error('a bug in the media side');
      failed = client.next('notifyStreamStatusEvent');
      client.send('playStream', OFFER);
      expect((await failed).data[0]).toMatchObject({ status: 'FAILED', info: 'Failed by error' });

      // The id is free again after each refusal.
      player.failWith = undefined;
      expect((await playUntilAnswered(client, 'p-1')).data[0]).toBe('p-1');
      client.close();
    });

    test('the end of a play reported by the service reaches the viewer: FAILED or STOPPED with its info', async () => {
      const client = await connected();
      await playUntilAnswered(client, 'p-1');
      await playUntilAnswered(client, 'p-2');
      const [first, second] = player.plays;
      let ended = client.next('notifyStreamStatusEvent');
      first.events.onEnded('Failed by ICE timeout', true);
      expect((await ended).data[0]).toMatchObject({ mediaSessionId: 'p-1', status: 'FAILED', info: 'Failed by ICE timeout' });
      ended = client.next('notifyStreamStatusEvent');
      second.events.onEnded('Stopped by publisher stop', false);
      expect((await ended).data[0]).toMatchObject({ mediaSessionId: 'p-2', status: 'STOPPED', info: 'Stopped by publisher stop' });
      // PLAYING after the end is not sent.
      first.events.onPlaying();
      const pong = client.next('pong');
      client.send('ping', null);
      await pong;
      expect(statusesOf(client, 'p-1')).toEqual([['FAILED', 'Failed by ICE timeout']]);
      client.close();
    });

    test('closing the session stops its plays with "Stopped by session disconnect", negotiating ones once they are answered', async () => {
      const client = await connected();
      await playUntilAnswered(client, 'p-1');
      player.hold = true;
      const negotiating = player.nextPlay();
      client.send('playStream', { ...OFFER, mediaSessionId: 'p-2' });
      const held = await negotiating;
      client.close();
      const disconnect = { code: 'disconnect', info: 'Stopped by session disconnect' };
      expect(await player.plays[0].stopped).toEqual(disconnect);
      held.answer();
      expect(await held.stopped).toEqual(disconnect);
      expect(player.plays.map((play) => play.stops.length)).toEqual([1, 1]);
    });

    test('stopStream while the play is negotiated: no answer is sent, the play is stopped once negotiated', async () => {
      const client = await connected();
      player.hold = true;
      const negotiating = player.nextPlay();
      client.send('playStream', OFFER);
      const held = await negotiating;
      const stopped = client.next('notifyStreamStatusEvent');
      client.send('stopStream', { mediaSessionId: 'p-1' });
      // Frames are handled in order: once ping is answered, the stop has been taken.
      const pong = client.next('pong');
      client.send('ping', null);
      await pong;
      held.answer();
      expect((await stopped).data[0]).toMatchObject({ mediaSessionId: 'p-1', status: 'STOPPED', info: 'Stopped by user' });
      expect(held.stops).toEqual([{ code: 'publisher-stop', info: 'Stopped by user' }]);
      expect(client.frames.some((frame) => frame.message === 'setRemoteSDP')).toBe(false);
      client.close();
    });

    test(`a session plays at most ${MAX_PLAYS_PER_SESSION} streams at once; a stopped play frees its place`, async () => {
      const client = await connected();
      for (let i = 0; i < MAX_PLAYS_PER_SESSION; i++) await playUntilAnswered(client, `p-${i}`, `cam${i}`);
      const refused = client.next('notifyStreamStatusEvent');
      client.send('playStream', { ...OFFER, mediaSessionId: 'one-more' });
      expect((await refused).data[0]).toMatchObject({ mediaSessionId: 'one-more', status: 'FAILED', info: `Too many streams played in this session (at most ${MAX_PLAYS_PER_SESSION})` });
      expect(player.plays).toHaveLength(MAX_PLAYS_PER_SESSION);

      const stopped = client.next('notifyStreamStatusEvent');
      client.send('stopStream', { mediaSessionId: 'p-0' });
      await stopped;
      expect((await playUntilAnswered(client, 'one-more')).data[0]).toBe('one-more');
      client.close();
    });

    test('malformed playStream requests are answered with FAILED by value; the session goes on', async () => {
      const client = await SignallingClient.open(url);
      let failed = client.next('notifyStreamStatusEvent');
      client.send('playStream', OFFER);
      expect((await failed).data[0]).toMatchObject({ status: 'FAILED', info: 'Session not ready' });
      await client.connect();

      const infos: string[] = [];
      for (const descriptor of [
        'not an object',
        { name: 'cam', sdp: 'v=0' },
        { mediaSessionId: 'p-1', name: ['cam'], sdp: 'v=0' },
        { mediaSessionId: 'p-1', name: 'n'.repeat(10_000), sdp: 'v=0' },
        { mediaSessionId: 'p-1', name: 'cam' },
        { mediaSessionId: 'p-1', name: 'cam', sdp: { nested: 'v=0' } },
      ]) {
        failed = client.next('notifyStreamStatusEvent');
        client.send('playStream', descriptor);
        const event = (await failed).data[0];
        expect(event.status).toBe('FAILED');
        // Only short strings the client sent come back.
        expect(event.name.length).toBeLessThanOrEqual(256);
        infos.push(event.info);
      }
      expect(infos).toEqual([
        'playStream has no stream descriptor',
        'MediaSessionId is null',
        'Stream name is empty',
        'Stream name is longer than 256 characters',
        'playStream has no SDP offer',
        'playStream has no SDP offer',
      ]);
      const fail = client.next('fail');
      client.ws.send('{"message":"playStream","data":');
      expect((await fail).data[0]).toMatchObject({ info: 'frame is not valid JSON' });
      expect(player.plays).toHaveLength(0);

      await playUntilAnswered(client, 'p-1');
      failed = client.next('notifyStreamStatusEvent');
      client.send('playStream', OFFER);
      expect((await failed).data[0]).toMatchObject({ mediaSessionId: 'p-1', status: 'FAILED', info: 'MediaSessionId is already in use' });
      expect(player.plays).toHaveLength(1);
      client.close();
    });
  });

  describe('without a play service', () => {
    beforeEach(() => start(false));

    test('playStream is answered FAILED with a clear info; the session goes on', async () => {
      const client = await connected();
      const failed = client.next('notifyStreamStatusEvent');
      client.send('playStream', OFFER);
      expect((await failed).data[0]).toMatchObject({ mediaSessionId: 'p-1', status: 'FAILED', info: 'WebRTC playback is not available on this gateway' });
      const pong = client.next('pong');
      client.send('ping', null);
      await pong;
      client.close();
    });
  });
});
