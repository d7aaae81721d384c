import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseSettings, type Settings } from '../../server/config/settings';
import { Gateway, type GatewayOptions } from '../../server/gateway';
import { readJsonOrText } from './http-body';
import { getFreePort } from './ports';

/** A gateway running inside the test process on free ports. */
export interface TestGateway {
  readonly gateway: Gateway;
  readonly settings: Settings;
  /** http://127.0.0.1:<http port> */
  readonly httpUrl: string;
  /** ws://127.0.0.1:<ws port> */
  readonly wsUrl: string;
  /** The UDP port every WebRTC peer shares (chosen by the system); undefined with a port per peer. */
  readonly udpPort: number | undefined;
  /** Calls the REST API: POST with a JSON body (or a raw string), or GET without one. */
  api(route: string, body?: unknown, method?: 'GET' | 'POST'): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Where the gateways started by tests log (one JSON line per event), for post-mortems. */
export const TEST_LOG_FILE = path.join(os.tmpdir(), 'gateway-tests.log');

/**
 * Starts a gateway with the default settings, `overrides` applied, and free ports, on 127.0.0.1
 * (`options` may add sink kinds).
 * Its log goes to TEST_LOG_FILE (level from GATEWAY_TEST_LOG_LEVEL, default info).
 */
export async function startTestGateway(overrides: Partial<Settings> = {}, options: Omit<GatewayOptions, 'webSdkDir'> = {}): Promise<TestGateway> {
  const defaults = parseSettings('', 'defaults').settings;
  const dbDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-db-'));
  const settings: Settings = {
    ...defaults,
    listenAddress: '127.0.0.1',
    wsPort: await getFreePort(),
    wssPort: await getFreePort(),
    httpPort: await getFreePort(),
    httpsPort: await getFreePort(),
    // The shared WebRTC port on loopback, any free port: tests run in parallel.
    webrtcUdpPort: 0,
    webrtcUdpAddress: '127.0.0.1',
    mediaDir: path.resolve(__dirname, '..', '..', 'media'),
    // Each gateway gets its own database, so no test sees another's RTMP servers.
    rtmpServersDbFile: path.join(dbDir, 'gateway.sqlite'),
    // Tests poll the API every few ms; the rate limit has its own test (rest-hardening).
    restRateLimit: 0,
    // GATEWAY_TEST_WORKERS=2 runs the suite with a media worker child beside the main process.
    ...(process.env.GATEWAY_TEST_WORKERS ? { workers: Number(process.env.GATEWAY_TEST_WORKERS) } : {}),
    ...overrides,
  };
  const logger = pino(
    { level: process.env.GATEWAY_TEST_LOG_LEVEL ?? 'info', base: { test: expect.getState().testPath?.split('/').pop() } },
    pino.destination({ dest: TEST_LOG_FILE, sync: true, append: true }),
  );
  // The SDK bundle is built by `npm run build` (the test command builds before testing).
  const gateway = await Gateway.start(settings, logger, { ...options, webSdkDir: path.resolve(__dirname, '..', '..', 'dist', 'web-sdk') });
  const httpUrl = `http://127.0.0.1:${settings.httpPort}`;
  return {
    gateway,
    settings,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${settings.wsPort}`,
    udpPort: gateway.webrtcUdp?.port,
    async api(route, body, method) {
      const verb = method ?? (body === undefined ? 'GET' : 'POST');
      const response = await fetch(`${httpUrl}${route}`, {
        method: verb,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, body: await readJsonOrText(response) };
    },
    async close() {
      await gateway.close();
      await rm(dbDir, { recursive: true, force: true });
    },
  };
}
