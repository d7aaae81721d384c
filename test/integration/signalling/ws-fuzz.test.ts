import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { SignallingClient } from '../../support/signalling-client';
import { waitFor } from '../../support/wait-for';
import { runSignallingCase, signallingFuzzCases } from '../../support/ws-fuzz-cases';

const SEED = 0x5eed10;
const CASES = 400;
/** Cases run at once, each from its own source address (the per-address bound is 20). */
const CONCURRENCY = 8;
const OFFER = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp'), 'utf8');

/**
 * A seeded, bounded fuzz of the WebSocket signalling of an in-process gateway (real werift behind it):
 * every case must be answered or ignored, no handler may throw, nothing may escape to the process,
 * and once the clients are gone no stream, session or registration on the shared UDP port is left.
 */
describe('WebSocket signalling fuzz', () => {
  let gw: TestGateway;
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => void escaped.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.close();
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
  });

  test(`${CASES} cases (seed ${SEED.toString(16)}): every one answered or ignored, the gateway unharmed`, async () => {
    const cases = signallingFuzzCases(SEED, CASES, OFFER);
    const failures: string[] = [];
    let next = 0;
    const worker = async (index: number): Promise<void> => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        const frames = await runSignallingCase(gw.wsUrl, fuzz, `127.0.3.${index + 1}`);
        // `fail` with "Failed by error" is the guard answering a handler that threw: a bug, even though contained.
        if (frames.some((f) => f.message === 'fail' && f.data[0]?.info === 'Failed by error')) failures.push(fuzz.label);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i)));
    expect(failures).toEqual([]);
    expect(escaped).toEqual([]);

    // Still serving: a well-behaved client is answered, the REST API too.
    const client = await SignallingClient.open(gw.wsUrl);
    await client.connect();
    const pong = client.next('pong');
    client.send('ping', null);
    await pong;
    client.close();
    // Some cases asked for a push (to a dead target, still retrying): any answer will do.
    expect([200, 404]).toContain((await gw.api('/rest-api/push/find_all')).status);
    await waitFor('every fuzzed stream to end', () => gw.gateway.paths.streams().length === 0, 5000);
    const udp = gw.gateway.webrtcUdp!;
    await waitFor('every fuzzed peer to leave the shared UDP port', () => udp.stats.peers === 0 && udp.stats.addresses === 0, 5000);
  });
});
