import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probeFrames } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { publishTestPattern } from '../rtmp-server/support/ffmpeg-publisher';
import { deliverFlood, deliverHostile } from '../rtmp-server/support/flood-delivery';
import { FLOOD_KINDS, floodInputs, hostileInputs } from '../rtmp-server/support/hostile-inputs';
import { runSignallingCase, signallingFuzzCases } from '../../support/ws-fuzz-cases';
import { GatewayProcess, type ProcessFootprint } from './gateway-process';
import { restInputs, type RestCase } from './rest-inputs';

const SEED = 0xf022;
const REST_CASES = 1500;
const RTMP_CASES = 1000;
const WS_CASES = 300;
const OFFER = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp'), 'utf8');
const CONCURRENCY = 8;
/** Frame interval of the canary publisher (testsrc at 25 fps), s. */
const FRAME_S = 0.04;

interface PushView {
  mediaSessionId: string;
  sourceStreamName: string;
}

/**
 * The gateway under a seeded, bounded fuzz of every surface an outsider reaches, while a canary
 * push runs from an RTMP-ingested source to nginx-rtmp: afterwards the canary lost no frame, the
 * gateway is alive and never answered 5xx, and its memory and descriptors are back near where they
 * started.
 */
describe('fuzz: the gateway keeps serving and loses nothing', () => {
  let dir: string;
  let nginx: NginxRtmp;
  let gateway: GatewayProcess;
  let httpUrl: string;
  let ingestPort: number;
  let canary: TrackedProcess;
  let ports: number[];
  let wsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fuzz-'));
    nginx = await NginxRtmp.start({ applications: [{ name: 'rec', directives: ['record all;', `record_path ${dir};`, 'record_unique on;'] }] });
    const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
    ingestPort = await getFreePort();
    ports = [await getFreePort(), await getFreePort(), await getFreePort()];
    gateway = await GatewayProcess.start(dir, {
      listen_address: '127.0.0.1',
      webrtc_udp_port: 0,
      'ws.port': wsPort,
      'http.port': httpPort,
      rtmp_servers_db: path.join(dir, 'gateway.sqlite'),
      // The fuzz comes from one address: the rate limit would refuse most of it before it reached anything.
      rest_rate_limit: 0,
      log_level: 'warn',
    });
    httpUrl = `http://127.0.0.1:${httpPort}`;
    wsUrl = `ws://127.0.0.1:${wsPort}`;
    expect((await rtmpServersApi(httpUrl, '/create', { server_name: 'canary', server_port: ingestPort })).status).toBe(200);
    canary = publishTestPattern(`rtmp://127.0.0.1:${ingestPort}/live/canary`);
    await waitFor('the canary push to start', async () => (await post('/rest-api/push/startup', { streamName: 'canary', rtmpUrl: nginx.rtmpUrl('rec'), rtmpTransponderFullUrl: false })).status === 200, 20_000, 250);
    await nginx.waitForStream('rec', 'rtmp_canary', 15_000);
  }, 60_000);

  afterAll(async () => {
    if (canary) await stopGracefully(canary.child);
    await killAllChildren();
    await gateway?.stop();
    await nginx?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function post(route: string, body: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${httpUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json().catch(() => null) };
  }

  /** Sends every case, CONCURRENCY at a time; returns the cases answered 5xx (or not at all). */
  async function sendAll(cases: readonly RestCase[]): Promise<string[]> {
    const failures: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        try {
          const res = await fetch(`${httpUrl}${c.path}`, { method: c.method, headers: c.headers, ...(c.body === undefined ? {} : { body: c.body }), signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          if (res.status >= 500) failures.push(`${res.status} ${c.kind}: ${c.method} ${c.path} ${c.body?.slice(0, 200) ?? ''}`);
        } catch (err) {
          failures.push(`no answer (${(err as Error).message}) to ${c.kind}: ${c.method} ${c.path}`);
        }
      }
    }));
    return failures;
  }

  /** Ends what the fuzz made: pushes other than the canary's, RTMP servers other than the canary's ingest. */
  async function cleanUp(): Promise<void> {
    const pushes = (await post('/rest-api/push/find_all', {})).json as PushView[] | null;
    for (const push of pushes ?? []) if (push.sourceStreamName !== 'canary') await post('/rest-api/push/terminate', { mediaSessionId: push.mediaSessionId });
    const servers = (await rtmpServersApi(httpUrl, '/getAll')).body as Array<{ id: string; server_name: string }>;
    for (const server of servers) if (server.server_name !== 'canary') await rtmpServersApi(httpUrl, '/remove', { id: server.id });
  }

  let before: ProcessFootprint;

  /** The RTMP part: hostile clients on the canary's own listener, then one flood of each kind (each never reads). */
  async function rtmpFuzz(seed: number, cases: number): Promise<void> {
    const inputs = hostileInputs(seed, cases);
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < inputs.length) await deliverHostile(ingestPort, inputs[next++]!, 10_000);
    }));
    for (const flood of floodInputs(seed, FLOOD_KINDS.length)) await deliverFlood(flood, { port: ingestPort, timeoutMs: 15_000 });
  }

  /** The WebSocket part: every message type, nested and oversized JSON, SDP bombs; each case from one of 8 addresses. */
  async function wsFuzz(seed: number, cases: number): Promise<string[]> {
    const inputs = signallingFuzzCases(seed, cases, OFFER);
    const failures: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (next < inputs.length) {
        const input = inputs[next++]!;
        const frames = await runSignallingCase(wsUrl, input, `127.0.4.${worker + 1}`);
        // `fail` with "Failed by error" is a handler that threw: contained, but a bug.
        if (frames.some((f) => f.message === 'fail' && (f.data[0] as { info?: string } | undefined)?.info === 'Failed by error')) failures.push(input.label);
      }
    }));
    return failures;
  }

  test('warm-up: every surface once, so the footprint compared at the end is the steady one (V8 keeps the heap it grew)', async () => {
    expect(await sendAll(restInputs(SEED + 1, 600, ports))).toEqual([]);
    await cleanUp();
    await rtmpFuzz(SEED + 1, 200);
    expect(await wsFuzz(SEED + 1, 60)).toEqual([]);
    before = await gateway.settledFootprint();
  }, 120_000);

  test('REST: every management endpoint, hostile bodies, types, methods and paths: never a 5xx', async () => {
    expect(await sendAll(restInputs(SEED, REST_CASES, ports))).toEqual([]);
    await cleanUp();
  }, 120_000);

  test('RTMP, on the canary\'s own listener: garbage, truncated and hostile clients, and floods that never read', async () => {
    await rtmpFuzz(SEED, RTMP_CASES);
  }, 120_000);

  test('WebSocket: every message type, nested and oversized JSON, SDP bombs: no handler throws', async () => {
    expect(await wsFuzz(SEED, WS_CASES)).toEqual([]);
  }, 120_000);

  test('afterwards: alive, memory and descriptors back, and the canary has every frame', async () => {
    expect(gateway.alive).toBe(true);
    // Descriptors of dropped clients close as their sockets do; memory is read after a full collection.
    // A leak of what the fuzz made (peers, sessions, buffers) stays in the live JavaScript memory,
    // held to 15 %. RSS gets a looser bound: besides what is live, it keeps what the allocator does
    // not give back after the fuzz's bursts, which grows with how far the gateway fell behind
    // (102.9 → 121.3 MiB seen while another suite loaded the box, 104.7 → 111.7 without).
    const after = await waitFor('memory and descriptors to settle', async () => {
      const now = await gateway.settledFootprint();
      return within(now, before) ? now : undefined;
    }, 10_000, 1000).catch(() => gateway.settledFootprint());
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    process.stderr.write(`fuzz footprint: live JS ${mib(before.liveJsBytes)} → ${mib(after.liveJsBytes)} MiB, RSS ${mib(before.rssBytes)} → ${mib(after.rssBytes)} MiB, fds ${before.fds} → ${after.fds}\n`);
    expect(after.liveJsBytes).toBeLessThanOrEqual(before.liveJsBytes * (1 + LIVE_JS_GROWTH));
    expect(after.rssBytes).toBeLessThanOrEqual(before.rssBytes * (1 + RSS_GROWTH));
    expect(after.fds).toBeLessThanOrEqual(Math.ceil(before.fds * (1 + FD_GROWTH)));
    // Every peer the SDP bombs made has left the shared WebRTC port.
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics.split('\n').find((line) => line.startsWith('gateway_webrtc_udp_peers '))).toBe('gateway_webrtc_udp_peers 0');

    // The canary: stop its push, and nginx's recording must have every frame, without a hole.
    const [canaryPush] = ((await post('/rest-api/push/find', { streamName: 'canary' })).json as PushView[]);
    expect((await post('/rest-api/push/terminate', { mediaSessionId: canaryPush!.mediaSessionId })).status).toBe(200);
    const file = await waitFor('the recording', async () => (await readdir(dir)).find((f) => f.startsWith('rtmp_canary') && f.endsWith('.flv')));
    const recorded = await probeFrames(path.join(dir, file), { seconds: 600, timeoutMs: 30_000 });
    expect(recorded.video.length).toBeGreaterThan(100);
    const gaps = recorded.video.slice(1).map((frame, i) => Math.round((frame.pts - recorded.video[i]!.pts) / FRAME_S)).filter((steps) => steps !== 1);
    expect(gaps).toEqual([]);
  });
});

/** Growth of live JavaScript memory, of RSS and of open descriptors allowed over the fuzz. */
const LIVE_JS_GROWTH = 0.15;
const RSS_GROWTH = 0.3;
const FD_GROWTH = 0.1;

function within(now: ProcessFootprint, before: ProcessFootprint): boolean {
  return now.liveJsBytes <= before.liveJsBytes * (1 + LIVE_JS_GROWTH) && now.rssBytes <= before.rssBytes * (1 + RSS_GROWTH) && now.fds <= Math.ceil(before.fds * (1 + FD_GROWTH));
}
