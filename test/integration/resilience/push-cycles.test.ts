import { childProcesses } from '../../support/child-processes';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { waitFor } from '../../support/wait-for';

const CYCLES = 100;

/** Open handles of this process by kind (sockets, timers, child processes...). */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Starting and stopping pushes over and over leaves nothing behind. */
describe('push start/stop cycles', () => {
  let setup: E2eSetup;
  let nginx: E2eSetup['nginx'];
  let gw: E2eSetup['gw'];

  beforeAll(async () => {
    setup = await startE2eSetup();
    ({ nginx, gw } = setup);
    await setup.pages.publish(await setup.browser.newPage(), 'ours', { urlServer: gw.wsUrl, name: 'cam' });
  });

  afterAll(async () => {
    await setup?.close();
  });

  test(`${CYCLES} startup/terminate cycles leak no sockets, timers or child processes`, async () => {
    const codecSessions = () => gw.gateway.codecs.stats().workers.reduce((sum, worker) => sum + worker.sessions, 0);
    // One cycle first: the codec worker it starts stays for later streams, and is not a leak.
    const warmUp = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
    await waitFor('the codec worker', () => gw.gateway.codecs.workerPids().length > 0, 10_000);
    expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: warmUp.body.mediaSessionId })).status).toBe(200);
    const before = resources();
    const childrenBefore = (await childProcesses()).map((c) => c.commandLine);
    let transcoderSeen = false;
    for (let i = 0; i < CYCLES; i++) {
      const started = await gw.api('/rest-api/push/startup', { streamName: 'cam', rtmpUrl: nginx.rtmpUrl('live') });
      expect(started.status).toBe(200);
      await waitFor('publishing', async () => (await gw.api('/rest-api/push/find', { streamName: 'cam' })).body[0]?.state === 'publishing', 10_000, 20);
      if (i === CYCLES / 2) transcoderSeen = codecSessions() > 0;
      expect((await gw.api('/rest-api/push/terminate', { mediaSessionId: started.body.mediaSessionId })).status).toBe(200);
    }
    expect((await gw.api('/rest-api/push/find_all')).status).toBe(404);
    expect(transcoderSeen).toBe(true); // the accounting below is not vacuous: codec sessions did come and go
    // The Opus→AAC transcoder lingers 5 s after its last reader; then everything is back where it started.
    const after = await waitFor('resources to settle', async () => {
      const now = resources();
      const children = (await childProcesses()).map((c) => c.commandLine);
      const settled = ['TCPSocketWrap', 'ProcessWrap', 'Timeout'].every((k) => (now[k] ?? 0) <= (before[k] ?? 0)) && children.length <= childrenBefore.length && codecSessions() === 0;
      return settled ? { now, children } : undefined;
    }, 20_000, 250);
    expect(after.now.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
    expect(after.now.ProcessWrap ?? 0).toBeLessThanOrEqual(before.ProcessWrap ?? 0);
    expect(after.now.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
    expect(after.children).toEqual(childrenBefore);
    expect((await nginx.stats()).flatMap((a) => a.streams)).toEqual([]);
  }, 180_000);
});
