import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Router } from 'express';
import pino from 'pino';
import { HttpAccess } from '../../../server/access/http-access';
import { RateLimiter } from '../../../server/access/rate-limiter';
import { ConsoleFeed } from '../../../server/console/console-feed';
import { consoleRoutes } from '../../../server/console/console-routes';
import type { ConsoleSnapshot, ConsoleState } from '../../../server/console/console-snapshot';
import { NO_LIMIT_REPORTER } from '../../../server/metrics/limits';
import type { PushStatus } from '../../../server/push/types';
import { createHttpApp } from '../../../server/rest/http-app';
import { FakeClock } from '../../support/fake-clock';
import { waitFor } from '../../support/wait-for';

const TOKEN = 'console-token';

/** A failed push, to see which rights a connection got. */
const failedPush = {
  id: 'p1', sourceName: 'cam', url: 'rtmp://127.0.0.1:9/live', safeUrl: 'rtmp://127.0.0.1:9/live', targetStreamName: 'rtmp_cam', safeTargetStreamName: 'rtmp_cam',
  width: 0, height: 0, muted: false, soundEnabled: false, options: {}, state: 'failed', lastError: 'connect ECONNREFUSED 127.0.0.1:9', retries: 2,
  sentBytes: 0, sessionSentBytes: 0, sessionDurationMs: 0, totalDurationMs: 0, queuedBytes: 0, queuedFrames: 0, droppedFrames: 0, sentTime: 0,
  createdTime: 0, startTime: null, finishTime: null, tracks: { video: true, audio: true }, trackIds: [], scope: undefined, recording: undefined,
} satisfies PushStatus;

/** An open event stream: its snapshots as they come. */
interface EventStream {
  readonly status: number;
  readonly contentType: string | null;
  /** The next snapshot; rejects when the stream ends first. */
  next(): Promise<ConsoleSnapshot>;
  /** Resolves when the server ends the stream. */
  ended(): Promise<void>;
  close(): void;
}

async function openEvents(url: string, headers: Record<string, string> = {}): Promise<EventStream & { body: unknown }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (!response.ok) return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json(), next: () => Promise.reject(new Error('refused')), ended: () => Promise.resolve(), close: () => undefined };
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let done = false;
  const read = async (): Promise<string | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return block;
      }
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        return undefined;
      }
      buffer += chunk.value;
    }
  };
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: undefined,
    async next() {
      const block = await read();
      if (block === undefined) throw new Error('the stream ended');
      expect(block).toMatch(/^event: snapshot\nid: \d+\ndata: /);
      return JSON.parse(block.slice(block.indexOf('data: ') + 6)) as ConsoleSnapshot;
    },
    async ended() {
      while (!done) await read().catch(() => (done = true));
    },
    close: () => controller.abort(),
  };
}

describe('console events (server-sent snapshots behind the access layer)', () => {
  let clock: FakeClock;
  let reads: number;
  let read: () => Promise<ConsoleState>;
  let feed: ConsoleFeed;
  let server: http.Server;
  let url: string;
  const warnings: string[] = [];

  async function start(options: { disabled?: boolean; maxClients?: number } = {}): Promise<void> {
    clock = new FakeClock();
    reads = 0;
    read = async () => ({ time: 1_000_000 + reads, streams: [], pushes: [failedPush], rates: new Map(), recordings: [], beams: [], rtmpServers: [] });
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    feed = new ConsoleFeed({
      read: () => {
        reads++;
        return read();
      },
      maxClients: options.maxClients ?? 3,
      intervalMs: 1000,
      logger,
      clock,
    });
    const restApi = Router();
    restApi.use('/console', consoleRoutes(feed, os.tmpdir()));
    const app = createHttpApp({
      api: { '/rest-api': restApi },
      sdp: {},
      sdpMaxBytes: 1000,
      open: {},
      staticDirs: {},
      corsOrigins: [],
      access: new HttpAccess({ disabled: options.disabled ?? false, users: undefined, token: TOKEN }),
      rateLimiter: new RateLimiter(0, 0),
      limits: NO_LIMIT_REPORTER,
      logger,
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest-api/console`;
  }

  afterEach(async () => {
    feed.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    warnings.length = 0;
  });

  const bearer = { Authorization: `Bearer ${TOKEN}` };

  test('needs the access token like every management API; with it, a snapshot at once and one per interval', async () => {
    await start();
    const refused = await openEvents(`${url}/events`);
    expect(refused.status).toBe(401);
    // A HEAD is answered, not held open.
    const head = await fetch(`${url}/events`, { method: 'HEAD', headers: bearer });
    expect(head.status).toBe(200);
    expect(feed.clients).toBe(0);

    const events = await openEvents(`${url}/events`, bearer);
    expect(events.status).toBe(200);
    expect(events.contentType).toMatch(/^text\/event-stream/);
    const first = await events.next();
    expect(first).toMatchObject({ time: 1_000_001, streams: [], recordings: [], beams: [], rtmpServers: [] });
    // An authenticated caller reads why a push failed; secrets are never in the console.
    expect(first.pushes).toEqual([expect.objectContaining({ mediaSessionId: 'p1', state: 'failed', lastError: 'connect ECONNREFUSED 127.0.0.1:9', outputUrl: 'rtmp://127.0.0.1:9/live/rtmp_cam' })]);
    clock.advance(1000);
    expect((await events.next()).time).toBe(1_000_002);
    clock.advance(1000);
    expect((await events.next()).time).toBe(1_000_003);
    events.close();
    // The last one gone, nothing is read any more.
    await waitFor('the connection to be dropped', () => feed.clients === 0);
    expect(clock.pending).toBe(0);
  });

  test('with authentication disabled, a failed push says only that it failed', async () => {
    await start({ disabled: true });
    const events = await openEvents(`${url}/events`);
    expect((await events.next()).pushes[0]!.lastError).toBe('the push could not reach its target or lost it');
    events.close();
  });

  test('beyond maxClients connections: 429, until one closes', async () => {
    await start({ maxClients: 2 });
    const [a, b] = [await openEvents(`${url}/events`, bearer), await openEvents(`${url}/events`, bearer)];
    await Promise.all([a.next(), b.next()]);
    const third = await openEvents(`${url}/events`, bearer);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'LIMIT_REACHED', message: expect.stringContaining('2 live connections') });
    a.close();
    await waitFor('the closed connection to be dropped', () => feed.clients === 1);
    const fourth = await openEvents(`${url}/events`, bearer);
    expect(fourth.status).toBe(200);
    await fourth.next();
    b.close();
    fourth.close();
  });

  test('a slow read is not overlapped; a failing read is logged once and the feed goes on', async () => {
    await start();
    let release: () => void = () => undefined;
    read = () => new Promise((resolve) => (release = () => resolve({ time: 7, streams: [], pushes: [], rates: new Map(), recordings: [], beams: [], rtmpServers: [] })));
    const events = await openEvents(`${url}/events`, bearer);
    await waitFor('the first read', () => reads === 1);
    clock.advance(3000);
    expect(reads).toBe(1);
    release();
    expect((await events.next()).time).toBe(7);

    read = () => Promise.reject(new Error('worker gone'));
    // (Each read settles before the next tick.)
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    clock.advance(1000);
    await settle();
    clock.advance(1000);
    await settle();
    expect(reads).toBe(3);
    read = async () => ({ time: 9, streams: [], pushes: [], rates: new Map(), recordings: [], beams: [], rtmpServers: [] });
    clock.advance(1000);
    expect((await events.next()).time).toBe(9);
    expect(warnings.filter((msg) => msg === 'console snapshot could not be read')).toHaveLength(1);
    events.close();
  });

  test('close() ends every stream, stops reading and ends later connections at once', async () => {
    await start();
    const events = await openEvents(`${url}/events`, bearer);
    await events.next();
    feed.close();
    await events.ended();
    expect(clock.pending).toBe(0);
    expect(feed.clients).toBe(0);
    const late = await openEvents(`${url}/events`, bearer);
    expect(late.status).toBe(200);
    await expect(late.next()).rejects.toThrow('the stream ended');
  });

  test('GET /sounds lists the sound files, behind the access layer', async () => {
    await start();
    const refused = await fetch(`${url}/sounds`);
    expect(refused.status).toBe(401);
    const answer = await fetch(`${url}/sounds`, { headers: bearer });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ files: expect.any(Array) });
  });
});
