import dgram from 'node:dgram';
import { BURST_30_PERCENT_1S, ImpairmentRelay, RELAY_PROFILES, type LinkImpairment, type LossBurst, type RelayProfile } from '../../../bench/impairment-relay';
import { sampleQuantile } from '../../../bench/quantiles';
import { waitFor } from '../../support/wait-for';

/**
 * The impairment relay with real UDP sockets on loopback: a target socket records what arrives
 * (sequence number, send time, arrival time, source) and can echo; clients send numbered packets.
 */

/**
 * How late a timer may deliver on a loaded 2-core machine, ms: the bound of the 90th percentile.
 * One event-loop stall (a GC, a busy neighbour) has made timers 100 ms late in CI, and it delays
 * every packet of the 10 ms train sent meanwhile: a quarter of them, so the 90th percentile too
 * (a round trip of 150 ms against 65 + 2 × 40 in one clean-clone run). The median bound below is
 * the one that catches a relay adding delay of its own.
 */
const LATE_MS = 120;
/** How late the median packet may be, ms (a slower VM measured 9 per hop): a relay that adds a tick of delay of its own fails this. */
const MEDIAN_LATE_MS = 15;

interface Arrival {
  readonly sequence: number;
  readonly sentAt: number;
  readonly arrivedAt: number;
  readonly from: string;
}

interface Endpoint {
  readonly socket: dgram.Socket;
  readonly port: number;
  readonly arrivals: Arrival[];
}

const sockets: dgram.Socket[] = [];
const relays: ImpairmentRelay[] = [];

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
  await Promise.all(sockets.splice(0).map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
});

/** A UDP socket on 127.0.0.1 recording the packets it gets; with `echo`, it sends each one back to its source. */
async function endpoint(options: { echo?: boolean } = {}): Promise<Endpoint> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  sockets.push(socket);
  const arrivals: Arrival[] = [];
  socket.on('message', (packet, from) => {
    arrivals.push({ sequence: packet.readUInt32BE(0), sentAt: packet.readDoubleBE(4), arrivedAt: performance.now(), from: `${from.address}:${from.port}` });
    if (options.echo === true) socket.send(packet, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, arrivals };
}

async function relayTo(target: Endpoint, options: Partial<Parameters<typeof ImpairmentRelay.start>[0]> = {}): Promise<ImpairmentRelay> {
  const relay = await ImpairmentRelay.start({ listenAddress: '127.0.0.1', targetAddress: '127.0.0.1', targetPort: target.port, ...options });
  relays.push(relay);
  return relay;
}

function packet(sequence: number, size = 64): Buffer {
  const data = Buffer.alloc(size);
  data.writeUInt32BE(sequence, 0);
  data.writeDoubleBE(performance.now(), 4);
  return data;
}

/** Sends packets 0..count-1 from `client` to the relay, `perTick` at a time with `tickMs` between (so no socket buffer overflows). */
async function sendNumbered(client: Endpoint, relay: ImpairmentRelay, count: number, pacing: { perTick: number; tickMs: number; size?: number }): Promise<void> {
  for (let sequence = 0; sequence < count; sequence++) {
    client.socket.send(packet(sequence, pacing.size), relay.address.port, '127.0.0.1');
    if ((sequence + 1) % pacing.perTick === 0) await new Promise((resolve) => setTimeout(resolve, pacing.tickMs));
  }
}

function oneWay(link: LinkImpairment): RelayProfile {
  return { toTarget: link, toClient: RELAY_PROFILES.clean.toClient };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Packets the relay has finished with (sent, lost or refused) in the client → target direction. */
function settled(relay: ImpairmentRelay): number {
  const { forwarded, droppedByLoss, droppedByBound, sendFailed } = relay.stats().toTarget;
  return forwarded + droppedByLoss + droppedByBound + sendFailed;
}

describe('ImpairmentRelay', () => {
  test('delays each direction by its own delay, never early', async () => {
    const target = await endpoint({ echo: true });
    const relay = await relayTo(target, { profile: { toTarget: { delayMs: 40, jitterMs: 0, lossRate: 0 }, toClient: { delayMs: 25, jitterMs: 0, lossRate: 0 } } });
    const client = await endpoint();
    await sendNumbered(client, relay, 40, { perTick: 1, tickMs: 10 });
    await waitFor('every echo', () => client.arrivals.length === 40, 5000, 10);

    const oneWayMs = target.arrivals.map((a) => a.arrivedAt - a.sentAt);
    const roundTripMs = client.arrivals.map((a) => a.arrivedAt - a.sentAt);
    for (const delay of oneWayMs) expect(delay).toBeGreaterThanOrEqual(40 - 0.5);
    expect(sampleQuantile(oneWayMs, 0.9)).toBeLessThan(40 + LATE_MS);
    for (const delay of roundTripMs) expect(delay).toBeGreaterThanOrEqual(65 - 0.5);
    expect(sampleQuantile(roundTripMs, 0.9)).toBeLessThan(65 + 2 * LATE_MS);
    expect(median(oneWayMs)).toBeLessThan(40 + MEDIAN_LATE_MS);
    expect(median(roundTripMs)).toBeLessThan(65 + 2 * MEDIAN_LATE_MS);
    expect(relay.stats()).toMatchObject({ clients: 1, toTarget: { forwarded: 40, droppedByLoss: 0 }, toClient: { forwarded: 40 }, queuedPackets: 0 });
  });

  test('jitter spreads sparse packets over delay ± jitter', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { profile: oneWay({ delayMs: 40, jitterMs: 20, lossRate: 0 }) });
    const client = await endpoint();
    // 70 ms apart: more than the spread, so no packet waits for the one before it.
    await sendNumbered(client, relay, 40, { perTick: 1, tickMs: 70 });
    await waitFor('every packet', () => target.arrivals.length === 40, 5000, 10);

    const delays = target.arrivals.map((a) => a.arrivedAt - a.sentAt);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(20 - 0.5);
    expect(sampleQuantile(delays, 0.9)).toBeLessThan(60 + LATE_MS);
    // Uniform over 40 ms: 40 draws all in the middle half has a chance of 2^-40.
    expect(Math.min(...delays)).toBeLessThan(30);
    expect(Math.max(...delays)).toBeGreaterThan(50);
  });

  test('jitter never reorders: a dense flow arrives in the order it was sent', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { profile: oneWay({ delayMs: 30, jitterMs: 25, lossRate: 0 }) });
    const client = await endpoint();
    await sendNumbered(client, relay, 600, { perTick: 10, tickMs: 2 });
    await waitFor('every packet', () => target.arrivals.length === 600, 10_000, 10);

    expect(target.arrivals.map((a) => a.sequence)).toEqual([...Array(600).keys()]);
    // Packets 2 ms apart with ±25 ms drawn: the queue must have held back many behind a later draw.
    const delays = target.arrivals.map((a) => a.arrivedAt - a.sentAt);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(25);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(5 - 0.5);
  });

  test('random loss is close to its rate, and the same seed loses the same packets', async () => {
    const lostWith = async (seed: number): Promise<number[]> => {
      const target = await endpoint();
      const relay = await relayTo(target, { seed, profile: oneWay({ delayMs: 0, jitterMs: 0, lossRate: 0.05 }) });
      const client = await endpoint();
      await sendNumbered(client, relay, 4000, { perTick: 40, tickMs: 1 });
      await waitFor('the relay to settle every packet', () => settled(relay) === 4000, 10_000, 10);
      await waitFor('every forwarded packet to arrive', () => target.arrivals.length === relay.stats().toTarget.forwarded, 5000, 10);
      const arrived = new Set(target.arrivals.map((a) => a.sequence));
      expect(relay.stats().toTarget.droppedByLoss).toBe(4000 - arrived.size);
      return [...Array(4000).keys()].filter((sequence) => !arrived.has(sequence));
    };
    const lost = await lostWith(7);
    // Binomial(4000, 0.05): mean 200, standard deviation 13.8; ±4 σ.
    expect(lost.length).toBeGreaterThan(145);
    expect(lost.length).toBeLessThan(255);
    expect(await lostWith(7)).toEqual(lost);
    expect(await lostWith(8)).not.toEqual(lost);
  });

  test('a burst drops about its rate during its window only', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { profile: RELAY_PROFILES.clean });
    const client = await endpoint();
    // About one packet a millisecond: 300 ms clean, the 1 s burst, 500 ms clean again.
    const sentAtWall: number[] = [];
    let started: LossBurst | undefined;
    for (let sequence = 0; started === undefined || Date.now() < started.endsAtMs + 500; sequence++) {
      if (started === undefined && sentAtWall.length > 0 && Date.now() - sentAtWall[0]! >= 300) started = relay.burst({ ...BURST_30_PERCENT_1S });
      sentAtWall.push(Date.now());
      client.socket.send(packet(sequence), relay.address.port, '127.0.0.1');
      if (sequence % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 4));
    }
    const burst = started!;
    await burst.ended;
    expect(Date.now()).toBeGreaterThanOrEqual(burst.endsAtMs);
    await waitFor('the relay to settle every packet', () => settled(relay) === sentAtWall.length, 5000, 10);
    await waitFor('every forwarded packet to arrive', () => target.arrivals.length === relay.stats().toTarget.forwarded, 5000, 10);

    const arrived = new Set(target.arrivals.map((a) => a.sequence));
    // A packet reaches the relay within a few ms of its send: leave 20 ms of doubt at each edge.
    const inWindow = (at: number) => at >= burst.startedAtMs + 20 && at < burst.endsAtMs - 20;
    const outside = (at: number) => at < burst.startedAtMs || at >= burst.endsAtMs + 20;
    const during = sentAtWall.flatMap((at, sequence) => (inWindow(at) ? [sequence] : []));
    const notDuring = sentAtWall.flatMap((at, sequence) => (outside(at) ? [sequence] : []));
    expect(during.length).toBeGreaterThan(300);
    expect(notDuring.length).toBeGreaterThan(300);
    expect(notDuring.filter((sequence) => !arrived.has(sequence))).toEqual([]);
    const lostRate = during.filter((sequence) => !arrived.has(sequence)).length / during.length;
    expect(lostRate).toBeGreaterThan(0.2);
    expect(lostRate).toBeLessThan(0.4);
  });

  test('a profile changed at run time applies to the packets that enter after it', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { profile: oneWay({ delayMs: 0, jitterMs: 0, lossRate: 0 }) });
    const client = await endpoint();
    await sendNumbered(client, relay, 20, { perTick: 1, tickMs: 5 });
    await waitFor('the first packets', () => target.arrivals.length === 20, 5000, 10);
    relay.setProfile(oneWay({ delayMs: 0, jitterMs: 0, lossRate: 1 }));
    await sendNumbered(client, relay, 20, { perTick: 1, tickMs: 5 });
    await waitFor('the relay to settle every packet', () => settled(relay) === 40, 5000, 10);
    expect(relay.stats().toTarget).toMatchObject({ forwarded: 20, droppedByLoss: 20 });
    expect(target.arrivals).toHaveLength(20);
    expect(() => relay.setProfile(oneWay({ delayMs: 0, jitterMs: 0, lossRate: 1.5 }))).toThrow(RangeError);
  });

  test('queued packets and bytes are bounded; the excess is dropped and counted', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { maxQueuedPackets: 10, profile: oneWay({ delayMs: 300, jitterMs: 0, lossRate: 0 }) });
    const client = await endpoint();
    await sendNumbered(client, relay, 30, { perTick: 30, tickMs: 0 });
    await waitFor('the relay to take all 30', () => relay.stats().toTarget.droppedByBound + relay.stats().queuedPackets === 30, 2000, 5);
    expect(relay.stats()).toMatchObject({ queuedPackets: 10, toTarget: { droppedByBound: 20 } });
    await waitFor('the queued packets', () => target.arrivals.length === 10, 5000, 10);
    expect(target.arrivals.map((a) => a.sequence)).toEqual([...Array(10).keys()]);
    expect(relay.stats().queuedPackets).toBe(0);

    const bytesTarget = await endpoint();
    const byBytes = await relayTo(bytesTarget, { maxQueuedBytes: 5000, profile: oneWay({ delayMs: 300, jitterMs: 0, lossRate: 0 }) });
    await sendNumbered(client, byBytes, 12, { perTick: 12, tickMs: 0, size: 1000 });
    await waitFor('the relay to take all 12', () => byBytes.stats().toTarget.droppedByBound + byBytes.stats().queuedPackets === 12, 2000, 5);
    expect(byBytes.stats()).toMatchObject({ queuedPackets: 5, toTarget: { droppedByBound: 7 } });
  });

  test('clients are bounded; packets of a client past the bound are dropped and counted', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { maxClients: 2 });
    const clients = [await endpoint(), await endpoint(), await endpoint()];
    for (const client of clients) await sendNumbered(client, relay, 5, { perTick: 5, tickMs: 0 });
    await waitFor('the relay to settle every packet', () => settled(relay) === 15, 2000, 5);
    expect(relay.stats()).toMatchObject({ clients: 2, toTarget: { forwarded: 10, droppedByBound: 5 } });
  });

  test('two clients reach the target from two addresses, and each gets its own replies', async () => {
    const target = await endpoint({ echo: true });
    const relay = await relayTo(target);
    const [a, b] = [await endpoint(), await endpoint()];
    a.socket.send(packet(1), relay.address.port, '127.0.0.1');
    b.socket.send(packet(2), relay.address.port, '127.0.0.1');
    a.socket.send(packet(3), relay.address.port, '127.0.0.1');
    await waitFor('the echoes', () => a.arrivals.length === 2 && b.arrivals.length === 1, 2000, 5);

    const fromOf = (sequence: number) => target.arrivals.find((arrival) => arrival.sequence === sequence)!.from;
    expect(fromOf(1)).toBe(fromOf(3));
    expect(fromOf(1)).not.toBe(fromOf(2));
    for (const from of [fromOf(1), fromOf(2)]) expect(from).not.toBe(`127.0.0.1:${relay.address.port}`);
    expect(a.arrivals.map((arrival) => arrival.sequence)).toEqual([1, 3]);
    expect(b.arrivals.map((arrival) => arrival.sequence)).toEqual([2]);
    // Replies come from the address clients send to, as through a NAT.
    expect(new Set([...a.arrivals, ...b.arrivals].map((arrival) => arrival.from))).toEqual(new Set([`127.0.0.1:${relay.address.port}`]));
    expect(relay.stats().clients).toBe(2);
  });

  test('only the target may answer through an upstream socket', async () => {
    const target = await endpoint({ echo: true });
    const relay = await relayTo(target);
    const client = await endpoint();
    client.socket.send(packet(1), relay.address.port, '127.0.0.1');
    await waitFor('the echo', () => client.arrivals.length === 1, 2000, 5);
    const [, upstreamPort] = target.arrivals[0]!.from.split(':');
    const stranger = await endpoint();
    stranger.socket.send(packet(9), Number(upstreamPort), '127.0.0.1');
    await waitFor('the stray packet to be counted', () => relay.stats().strayPackets === 1, 2000, 5);
    expect(client.arrivals).toHaveLength(1);
  });

  test('close() drops what is queued, closes every socket and is idempotent', async () => {
    const target = await endpoint();
    const relay = await relayTo(target, { profile: oneWay({ delayMs: 200, jitterMs: 0, lossRate: 0 }) });
    const client = await endpoint();
    await sendNumbered(client, relay, 5, { perTick: 5, tickMs: 0 });
    await waitFor('the packets to be queued', () => relay.stats().queuedPackets === 5, 2000, 5);
    const { port } = relay.address;
    const closing = relay.close();
    expect(relay.close()).toBe(closing);
    await closing;
    expect(relay.closed).toBe(true);
    expect(relay.stats().queuedPackets).toBe(0);
    expect(() => relay.burst(BURST_30_PERCENT_1S)).toThrow(/closed/);
    // The port is free again, and nothing queued is delivered late.
    const again = await relayTo(target, { listenPort: port });
    expect(again.address.port).toBe(port);
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the 200 ms delay: nothing may arrive
    expect(target.arrivals).toHaveLength(0);
  });

  test('refuses host names and impossible settings with a clear error', async () => {
    await expect(ImpairmentRelay.start({ listenAddress: 'localhost', targetAddress: '127.0.0.1', targetPort: 9 })).rejects.toThrow(/listenAddress must be an IP address/);
    await expect(ImpairmentRelay.start({ listenAddress: '127.0.0.1', targetAddress: '127.0.0.1', targetPort: 9, profile: oneWay({ delayMs: -1, jitterMs: 0, lossRate: 0 }) })).rejects.toThrow(RangeError);
    const target = await endpoint();
    const relay = await relayTo(target);
    expect(() => relay.burst({ lossRate: 0.3, durationMs: 0 })).toThrow(RangeError);
    await expect(ImpairmentRelay.start({ listenAddress: '127.0.0.1', listenPort: relay.address.port, targetAddress: '127.0.0.1', targetPort: 9 })).rejects.toThrow(/EADDRINUSE/);
  });
});
