import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { FakeRtmpServer } from '../../support/fake-rtmp-server';
import { getFreePort } from '../../support/ports';
import { PublisherPageServer } from '../../support/publisher-page';
import { waitFor } from '../../support/wait-for';
import { rtmpServersApi } from '../rtmp-server/support/api-client';
import { RtmpTestClient } from '../rtmp-server/support/rtmp-test-client';
import { createSelfSignedCertificate } from '../../support/tls-proxy';
import { GATEWAY_NODE_FLAGS } from '../../../server/node-flags';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'dist', 'server', 'main.js');

/**
 * Preloaded into the gateway (`--require`): every write to stdout starts 200 ms late, as when the
 * libuv threadpool that runs pino's asynchronous writes is busy. A process.exit() with a write in
 * flight then loses or reorders lines (pino writes what it still buffers synchronously at exit).
 */
const SLOW_STDOUT = `
const fs = require('node:fs');
const write = fs.write;
fs.write = function (fd, ...args) {
  if (fd !== 1) return write.call(this, fd, ...args);
  setTimeout(() => write.call(this, fd, ...args), 200);
};
`;

/** The real gateway process: configuration errors, structured logs, and a clean stop on SIGTERM. */
describe('gateway process', () => {
  let dir: string;
  let slowStdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gateway-process-'));
    slowStdout = path.join(dir, 'slow-stdout.js');
    await writeFile(slowStdout, SLOW_STDOUT);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function startProcess(config: string, nodeOptions: string[] = [], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...nodeOptions, MAIN, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  test('a bad value stops the start with the file and line; an unknown key is only a warning', async () => {
    const config = path.join(dir, 'bad.properties');
    await writeFile(config, '# comment\nhttp.port=8081\nkeyframe_interval=fast\n');
    const bad = startProcess(config);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain(`${config}:3: keyframe_interval:`);
    expect(bad.output()).toContain("(got 'fast')");
  });

  test('a mistyped key stops the start (exit 2) with one line: file, line and the setting meant', async () => {
    const config = path.join(dir, 'typo.properties');
    await writeFile(config, '# comment\nhttp.port=8081\nrtmp_transponder_full_ur=true\n');
    const typo = startProcess(config);
    expect(await typo.exited).toBe(2);
    expect(typo.output().trim().split('\n')).toEqual([`gateway: ${config}:3: unknown setting 'rtmp_transponder_full_ur' (did you mean 'rtmp_transponder_full_url'?)`]);
  });

  test('codec workers whose node-av cannot load stop the start (exit 2) with one line saying so and how to fix it, before any port is bound', async () => {
    const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
    const config = path.join(dir, 'codecs.properties');
    await writeFile(config, `listen_address=127.0.0.1\nwebrtc_udp_port=0\nws.port=${wsPort}\nhttp.port=${httpPort}\nrtmp_servers_db=${path.join(dir, 'codecs.sqlite')}\n`);
    // node-av's own switch: load a build from source only, which an npm install does not have; the
    // check loads node-av in a codec worker exactly as the gateway would.
    const gateway = startProcess(config, [], { ...process.env, AV_FROM_SOURCE: '1' });
    expect(await gateway.exited).toBe(2);
    const lines = gateway.output().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, code: 'CONFIG_MISSING_PART' });
    expect(lines[0]!.msg).toMatch(/^gateway could not start: codec workers: node-av cannot be loaded \(Could not load the node-av native binding for linux-x64\.\): run npm ci \(or npm rebuild node-av\) in \/\S+; /);
  });

  test('SIGTERM closes every RTMP session cleanly (FCUnpublish, deleteStream) and exits 0; logs are one JSON line per event with stream names and ids', async () => {
    const target = await FakeRtmpServer.start();
    const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
    const config = path.join(dir, 'gateway.properties');
    // Its own database: pushes are kept there, and the repository's data/ must stay untouched.
    await writeFile(config, `listen_address=127.0.0.1\nwebrtc_udp_port=0\nws.port=${wsPort}\nhttp.port=${httpPort}\nrtmp_servers_db=${path.join(dir, 'sigterm.sqlite')}\nno_such_setting=1\n`);
    const gateway = startProcess(config);
    let browser: TestBrowser | undefined;
    let pages: PublisherPageServer | undefined;
    try {
      await waitFor('the gateway to listen', () => gateway.output().includes('REST API and demo page listening'));
      expect(gateway.output()).toContain(`${config}:6: unknown setting 'no_such_setting' (ignored)`);
      const httpUrl = `http://127.0.0.1:${httpPort}`;
      pages = await PublisherPageServer.start(httpUrl);
      browser = await launchChromium();
      await pages.publish(await browser.newPage(), 'ours', { urlServer: `ws://127.0.0.1:${wsPort}`, name: 'sig' });
      const api = async (route: string, body: unknown): Promise<{ status: number; json: any }> => {
        const res = await fetch(`${httpUrl}/rest-api/push/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, json: await res.json() };
      };
      const started = await api('startup', { streamName: 'sig', rtmpUrl: `rtmp://127.0.0.1:${target.port}/live` });
      expect(started.status).toBe(200);
      const { mediaSessionId } = started.json as { mediaSessionId: string };
      await waitFor('the push to publish', async () => (await api('find', { streamName: 'sig' })).json[0]?.state === 'publishing');
      await target.message((m) => m.typeId === 9);

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      const [commands] = target.commandNames();
      expect(commands!.slice(commands!.indexOf('publish'))).toEqual(['publish', 'FCUnpublish', 'deleteStream']);

      const lines = gateway.output().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      const pushLines = lines.filter((l) => l.mediaSessionId === mediaSessionId);
      expect(pushLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['push created', 'publishing to the target', 'push stopped']));
      for (const line of pushLines) expect(line).toMatchObject({ streamName: 'sig', level: expect.any(Number), time: expect.any(String) });
      expect(lines.find((l) => l.msg === 'publishing')).toMatchObject({ streamName: 'sig', mediaSessionId: expect.any(String) });
      expect(lines.map((l) => l.msg)).toContain('signalling session closed');
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await browser?.close();
      await pages?.close();
      await target.close();
    }
  });

  test('with slow stdout and clients still connected, SIGTERM logs every line of the shutdown, in order, "stopped" last', async () => {
    const [wsPort, httpPort, rtmpPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const config = path.join(dir, 'slow.properties');
    await writeFile(config, `listen_address=127.0.0.1\nwebrtc_udp_port=0\nws.port=${wsPort}\nhttp.port=${httpPort}\nrtmp_servers_db=${path.join(dir, 'slow.sqlite')}\n`);
    const gateway = startProcess(config, ['--require', slowStdout]);
    let rtmp: RtmpTestClient | undefined;
    let ws: WebSocket | undefined;
    try {
      await waitFor('the gateway to listen', () => gateway.output().includes('REST API and demo page listening'));
      const httpUrl = `http://127.0.0.1:${httpPort}`;
      expect((await rtmpServersApi(httpUrl, '/create', { server_name: 'ingest', server_port: rtmpPort })).status).toBe(200);
      rtmp = await RtmpTestClient.open(rtmpPort);
      expect((await rtmp.connect('live')).code).toBe('NetConnection.Connect.Success');
      ws = new WebSocket(`ws://127.0.0.1:${wsPort}`);
      await new Promise((resolve, reject) => ws!.once('open', resolve).once('error', reject));
      await waitFor('both clients in the log', () => gateway.output().includes('signalling session opened') && gateway.output().includes('client connected'));

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      const messages = gateway.output().trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
      // Everything logged after the clients connected comes out: what each component logs while closing, then "stopped".
      const shutdown = messages.slice(messages.indexOf('signalling session opened') + 1);
      expect([shutdown[0], shutdown.at(-1)]).toEqual(['stopping: closing every RTMP session cleanly', 'stopped']);
      expect(shutdown.slice(1, -1).sort()).toEqual(['RTMP server stopped', 'WebRTC UDP port closed', 'client disconnected', 'signalling session closed']);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      rtmp?.destroy();
      ws?.terminate();
    }
  });

  test('with slow stdout, a gateway whose port is taken exits 2 with every line out, the setting and the reason last', async () => {
    const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(httpPort, '127.0.0.1', resolve));
    const config = path.join(dir, 'busy-port.properties');
    await writeFile(config, `listen_address=127.0.0.1\nwebrtc_udp_port=0\nws.port=${wsPort}\nhttp.port=${httpPort}\nrtmp_servers_db=${path.join(dir, 'busy.sqlite')}\n`);
    const gateway = startProcess(config, ['--require', slowStdout]);
    try {
      expect(await gateway.exited).toBe(2);
      const lines = gateway.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number });
      expect(lines[0]?.msg).toBe('WebRTC UDP port bound: every peer shares it');
      expect(lines.map((line) => line.msg)).toContain('signalling listening');
      expect(lines.at(-1)).toMatchObject({ level: 60, msg: `gateway could not start: ${config}:4: http.port: cannot listen on 127.0.0.1:${httpPort}: the port is in use (another gateway or program?)` });
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await new Promise((resolve) => holder.close(resolve));
    }
  });
  test('a missing, non-PEM or mismatched certificate or key stops the start (exit 2) with one line naming the setting and the file, no stack trace', async () => {
    const [certificate, other] = [await createSelfSignedCertificate(), await createSelfSignedCertificate()];
    const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), otherKey: path.join(dir, 'other-key.pem'), der: path.join(dir, 'cert.der') };
    await writeFile(files.cert, certificate.cert);
    await writeFile(files.key, certificate.key);
    await writeFile(files.otherKey, other.key);
    await writeFile(files.der, new X509Certificate(certificate.cert).raw);
    const cases = [
      // Lines 6 and 7 of the file set the certificate and the key.
      { cert: path.join(dir, 'missing.pem'), key: files.key, message: `:6: tls_certificate_file: ${path.join(dir, 'missing.pem')} does not exist` },
      { cert: files.der, key: files.key, message: `:6: tls_certificate_file: ${files.der} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)` },
      { cert: files.cert, key: files.cert, message: `:7: tls_private_key_file: ${files.cert} is not a PEM private key` },
      { cert: files.cert, key: files.otherKey, message: `:7: tls_private_key_file: ${files.otherKey} is not the key of the certificate in tls_certificate_file (${files.cert})` },
    ];
    for (const [index, { cert, key, message }] of cases.entries()) {
      const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
      const config = path.join(dir, `tls-${index}.properties`);
      const lines = [`listen_address=127.0.0.1`, 'webrtc_udp_port=0', `ws.port=${wsPort}`, `http.port=${httpPort}`, `rtmp_servers_db=${path.join(dir, `tls-${index}.sqlite`)}`];
      await writeFile(config, [...lines, `tls_certificate_file=${cert}`, `tls_private_key_file=${key}`].join('\n'));
      const gateway = startProcess(config);
      expect(await gateway.exited).toBe(2);
      const last = JSON.parse(gateway.output().trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(last).toMatchObject({ level: 60, code: 'CONFIG_INVALID_VALUE' });
      expect(last.msg).toContain(`gateway could not start: ${config}${message}`);
      expect(gateway.output()).not.toMatch(/\n\s+at /);
    }
  });
});
