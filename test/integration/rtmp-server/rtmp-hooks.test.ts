import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully } from '../../support/processes';
import { rtmpServersApi } from './support/api-client';
import { publishTestPattern, streamPublished } from './support/ffmpeg-publisher';
import { RtmpTestClient } from './support/rtmp-test-client';

interface HookCall {
  url: string;
  body: Record<string, unknown>;
}

/**
 * WCS's REST hooks asked about RTMP clients: a publisher (real ffmpeg) asks publishStream, a player
 * asks playStream; a 403 refuses with 'Restricted access', a 2xx lets the client in.
 */
describe('REST hooks for RTMP publishers and players', () => {
  let dir: string;
  let gw: TestGateway;
  let backend: http.Server;
  let port: number;
  const calls: HookCall[] = [];
  /** Names the backend refuses. */
  const refused = new Set<string>();
  const clients: RtmpTestClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-hooks-'));
    backend = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        calls.push({ url: req.url ?? '', body });
        res.writeHead(refused.has(String(body['name'])) ? 403 : 200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    gw = await startTestGateway({ rtmpServersDbFile: path.join(dir, 'gateway.sqlite'), restHookBaseUrl: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/apps/EchoApp` });
    port = await getFreePort();
    expect((await rtmpServersApi(gw.httpUrl, '/create', { server_name: 'hooked', server_port: port })).status).toBe(200);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await killAllChildren();
    await gw?.close();
    await new Promise((resolve) => backend?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function play(name: string): Promise<{ code: string; description: string }> {
    const client = await RtmpTestClient.open(port);
    clients.push(client);
    expect((await client.connect('live')).code).toBe('NetConnection.Connect.Success');
    return client.play(await client.createStream(), name);
  }

  test('a publisher the backend allows publishes; the hook gets WCS\'s fields', async () => {
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/cam?token=abc`);
    try {
      await streamPublished(gw.gateway.paths, 'cam', publisher, 20_000);
      expect(calls.find((c) => c.url === '/apps/EchoApp/publishStream')?.body).toMatchObject({
        appKey: 'live',
        name: 'cam',
        published: true,
        mediaProvider: 'Flash',
        custom: { query: 'token=abc', clientIp: '127.0.0.1' },
      });

      expect(await play('cam')).toMatchObject({ code: 'NetStream.Play.Start' });
      expect(calls.filter((c) => c.url === '/apps/EchoApp/playStream').map((c) => c.body['name'])).toEqual(['cam']);

      refused.add('cam');
      expect(await play('cam')).toMatchObject({ code: 'NetStream.Play.StreamNotFound', description: 'Restricted access' });
    } finally {
      await stopGracefully(publisher.child);
    }
  });

  test('a publisher the backend refuses is turned away and publishes nothing', async () => {
    refused.add('blocked');
    const publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/blocked`);
    const status = await publisher.exited;
    expect(status.code).not.toBe(0);
    expect(gw.gateway.paths.stream('blocked')).toBeUndefined();
    expect(calls.some((c) => c.url === '/apps/EchoApp/publishStream' && c.body['name'] === 'blocked')).toBe(true);
  });
});
