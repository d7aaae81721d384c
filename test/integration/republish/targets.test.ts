import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, TEST_LOG_FILE, type TestGateway } from '../../support/gateway-harness';
import { probeStreams } from '../../support/media-probe';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { PublisherPageServer } from '../../support/publisher-page';
import { createSelfSignedCertificate, TlsProxy } from '../../support/tls-proxy';
import { waitFor } from '../../support/wait-for';

/**
 * Targets and naming: rtmps:// to a TLS endpoint in front of nginx-rtmp, auto-start, the
 * prefix setting, flashVer, and what `connect` carries for credentials and query parameters
 * (read back from nginx's own log of each connect).
 */
describe('push targets', () => {
  let nginx: NginxRtmp;
  let proxy: TlsProxy;
  let certDir: string;
  let trusting: TestGateway;
  let pages: PublisherPageServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    // 'keyed' refuses every stream name, as a service refuses a wrong stream key (nginx-rtmp drops the connection).
    nginx = await NginxRtmp.start({ applications: [{ name: 'live' }, { name: 'secure' }, { name: 'tls' }, { name: 'keyed', directives: ['deny publish all;'] }] });
    const certificate = await createSelfSignedCertificate();
    proxy = await TlsProxy.start({ ...certificate, targetPort: nginx.rtmpPort });
    certDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-ca-'));
    await writeFile(path.join(certDir, 'ca.pem'), certificate.cert);
    trusting = await startTestGateway({
      rtmpTlsCaFile: path.join(certDir, 'ca.pem'),
      rtmpPushAutoStart: true,
      rtmpPushAutoStartUrl: nginx.rtmpUrl('live'),
      rtmpTransponderStreamNamePrefix: '',
      rtmpPushRetryInitialDelayMs: 5000,
    });
    pages = await PublisherPageServer.start(trusting.httpUrl);
    browser = await launchChromium();
    await pages.publish(await browser.newPage(), 'ours', { urlServer: trusting.wsUrl, name: 'cam' });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await trusting?.close();
    await proxy?.close();
    await nginx?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('rtmp_push_auto_start pushes every published stream; an empty prefix keeps the name; flashVer defaults to FMLE', async () => {
    await nginx.waitForStream('live', 'cam', 8000);
    const auto = await waitFor('the auto-started push to publish', async () => {
      const [push] = (await trusting.api('/rest-api/push/find', { streamName: 'cam' })).body;
      return push?.state === 'publishing' ? push : undefined;
    });
    expect(auto).toMatchObject({ streamName: 'cam', sourceStreamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
    expect(await nginx.errorLog()).toMatch(/connect: app='live' args='' flashver='FMLE\/3.0 \(compatible; FMSc\/1.0\)'/);
  });

  test('rtmps:// to a self-signed endpoint works when rtmp_tls_ca_file trusts it, with the per-call flashVer', async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `rtmps://localhost:${proxy.port}/secure`, rtmpFlashVersion: 'LNX 76.219.189.0' });
    expect(res.status).toBe(200);
    await nginx.waitForStream('secure', 'cam', 8000);
    const streams = await probeStreams(nginx.rtmpUrl('secure', 'cam'), { timeoutMs: 15_000 });
    expect(streams.video?.codec).toBe('h264');
    expect(streams.audio?.codec).toBe('aac');
    expect(await nginx.errorLog()).toMatch(/connect: app='secure' args='' flashver='LNX 76.219.189.0' swf_url='' tc_url='rtmps:\/\/localhost:\d+\/secure'/);
    await trusting.api('/rest-api/push/terminate', { mediaSessionId: res.body.mediaSessionId });
  });

  test('query parameters pass through in app and tcUrl', async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `${nginx.rtmpUrl('tls')}?token=abc` });
    expect(res.status).toBe(200);
    await nginx.waitForStream('tls', 'cam', 8000);
    expect(await nginx.errorLog()).toMatch(/connect: app='tls' args='token=abc' .* tc_url='rtmp:\/\/127.0.0.1:\d+\/tls\?token=abc'/);
    await trusting.api('/rest-api/push/terminate', { mediaSessionId: res.body.mediaSessionId });
  });

  test("credentials become connect('live/?user1&pass1') as WCS sends them; a rejected connect shows in lastError", async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: `rtmp://user1:pass1@127.0.0.1:${nginx.rtmpPort}/live` });
    expect(res.status).toBe(200);
    const failed = await waitFor('the refused connect to show', async () => {
      const [push] = (await trusting.api('/rest-api/push/find', { streamName: 'cam', rtmpUrl: `rtmp://user1:pass1@127.0.0.1:${nginx.rtmpPort}/live` })).body;
      return push?.lastError ? push : undefined;
    });
    expect(failed.state).toBe('reconnecting');
    expect(failed.lastError).toMatch(/^CONNECT_REJECTED/);
    expect(await nginx.errorLog()).toMatch(/connect: app='live\/' args='user1&pass1' .* tc_url='rtmp:\/\/127.0.0.1:\d+\/live\/\?user1&pass1'/);
    await trusting.api('/rest-api/push/terminate', { mediaSessionId: res.body.mediaSessionId });
  });

  test('without the CA the rtmps push fails with a TLS error in lastError', async () => {
    const strict = await startTestGateway({ rtmpPushRetryInitialDelayMs: 5000 });
    const strictPages = await PublisherPageServer.start(strict.httpUrl);
    try {
      await strictPages.publish(await browser.newPage(), 'ours', { urlServer: strict.wsUrl, name: 'cam2' });
      const res = await strict.api('/rest-api/push/startup', { streamName: 'cam2', rtmpUrl: `rtmps://localhost:${proxy.port}/secure` });
      expect(res.status).toBe(200);
      const push = await waitFor('the TLS failure', async () => {
        const [p] = (await strict.api('/rest-api/push/find_all')).body;
        return p?.lastError ? p : undefined;
      });
      expect(push.state).toBe('reconnecting');
      expect(push.lastError).toMatch(/^TLS: .*self[- ]signed/i);
    } finally {
      await strictPages.close();
      await strict.close();
    }
  });

  test('a stream key left in the application without full-URL mode: lastError says so with the key shortened; the push-ended line sums the push up', async () => {
    const rtmpUrl = nginx.rtmpUrl('live', 'abcd1234secret');
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl });
    expect(res.status).toBe(200);
    const { mediaSessionId } = res.body as { mediaSessionId: string };
    const refused = await waitFor('the refused application to show', async () => {
      const push = (await trusting.api('/rest-api/push/find_all')).body.find((p: { mediaSessionId: string }) => p.mediaSessionId === mediaSessionId);
      return push?.lastError ? push : undefined;
    });
    expect(refused.state).toBe('reconnecting');
    expect(refused.lastError).toBe(
      "CONNECT_REJECTED: the target refused the application 'live/abcd…': is this a full URL ending with the stream key? set rtmpTransponderFullUrl: true in the call (or rtmp_transponder_full_url=true) to publish 'abcd…' in 'live' (the server closed the connection in reply to connect)",
    );
    await trusting.api('/rest-api/push/terminate', { mediaSessionId });
    const ended = await waitFor('the push-ended line', async () => (await logLines()).find((line) => line.mediaSessionId === mediaSessionId && line.msg === 'push ended'));
    expect(ended).toMatchObject({ streamName: 'cam', state: 'stopped', bytes: expect.any(Number), retries: expect.any(Number), droppedFrames: 0, averageKbps: 0, lastError: refused.lastError });
    expect(refused.lastError).not.toContain('abcd1234secret');
  });

  test('a stream key the target refuses (full URL): lastError names the key shortened and the application', async () => {
    const res = await trusting.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('keyed', 'wxyz5678secret'), rtmpTransponderFullUrl: true });
    expect(res.status).toBe(200);
    const { mediaSessionId } = res.body as { mediaSessionId: string };
    const refused = await waitFor('the refused stream key to show', async () => {
      const push = (await trusting.api('/rest-api/push/find_all')).body.find((p: { mediaSessionId: string }) => p.mediaSessionId === mediaSessionId);
      return push?.lastError ? push : undefined;
    });
    expect(refused.lastError).toMatch(/^PUBLISH_REJECTED: the target refused the stream key 'wxyz…' in the application 'keyed': check the key \(is it current, and not in use by another encoder\?\) \(/);
    expect(refused.lastError).not.toContain('wxyz5678secret');
    await trusting.api('/rest-api/push/terminate', { mediaSessionId });
  });

  // Last: it kills the codec workers every push of this gateway uses.
  test('a push whose AAC stops coming (its codec workers killed as they start) says so in lastError, and not once they are back', async () => {
    const auto = async (): Promise<{ state: string; lastError: string | null }> => (await trusting.api('/rest-api/push/find', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') })).body[0];
    expect(await auto()).toMatchObject({ state: 'publishing', lastError: null });
    let killing = true;
    const killer = (async () => {
      while (killing) {
        // Before a new worker has loaded node-av (~100 ms): no AAC at all comes out.
        for (const pid of await codecWorkerPids()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // It ended meanwhile.
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      const silent = await waitFor('lastError to say the audio is missing', async () => {
        const push = await auto();
        return push.lastError ? push : undefined;
      }, 30_000);
      expect(silent.state).toBe('publishing');
      expect(silent.lastError).toMatch(/^no audio for \d+ s: the codec workers that make AAC from the publisher's Opus keep failing \(\d+ running, \d+ restarts meanwhile\); the target gets no sound$/);
    } finally {
      killing = false;
      await killer;
    }
    await waitFor('lastError to clear once AAC comes again', async () => ((await auto()).lastError === null ? true : undefined), 15_000);
    expect((await auto()).state).toBe('publishing');
  });
});

/** The lines the gateways of the tests logged so far (see TEST_LOG_FILE), parsed. */
async function logLines(): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(TEST_LOG_FILE, 'utf8');
  return text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Codec worker processes started by this test process's gateways: its children, and its media
 * workers' children. Only those are read (never the browser's tree of processes and threads), so
 * one look takes a few ms and a new codec worker dies long before it has loaded node-av.
 */
async function codecWorkerPids(): Promise<number[]> {
  const found: number[] = [];
  const childrenOf = async (pid: number): Promise<number[]> => {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
    const lists = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')));
    return lists.join(' ').split(' ').filter((c) => c !== '').map(Number);
  };
  const visit = async (pid: number, intoMediaWorkers: boolean): Promise<void> => {
    for (const child of await childrenOf(pid)) {
      const command = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '');
      if (command.includes('codec-worker')) found.push(child);
      else if (intoMediaWorkers && command.includes('media-workers')) await visit(child, false);
    }
  };
  await visit(process.pid, true);
  return found;
}
