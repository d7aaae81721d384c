import { mkdtemp, rm } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TS_PACER_BURST_MS } from '../../../server/sinks/mpegts/ts-pacer';
import { TS_DATAGRAM_BYTES, TS_HIGH_WATER_BYTES, TS_LOW_WATER_BYTES } from '../../../server/sinks/mpegts/ts-transport';
import { resolveUdpTarget } from '../../../server/sinks/mpegts/udp-target';
import { UdpTsTransport } from '../../../server/sinks/mpegts/udp-ts-transport';
import { probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { killAllChildren, spawnTracked } from '../../support/processes';
import { largestBurst, udpReceiver, type UdpReceiver } from '../../support/udp-receiver';
import { udpPortsOf } from '../../support/udp-sockets';
import { waitFor } from '../../support/wait-for';
import { feedRealTime, makeTsSource, writeRange, type TsSource } from './support/ts-source';

function transportTo(url: string, lookup?: net.LookupFunction): UdpTsTransport {
  return new UdpTsTransport({ target: resolveUdpTarget(url), ...(lookup ? { lookup } : {}) });
}

describe('UdpTsTransport', () => {
  let dir: string;
  let source: TsSource;
  const transports: UdpTsTransport[] = [];
  const receivers: UdpReceiver[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'udp-transport-'));
    source = await makeTsSource(dir, 6);
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close(false)));
    for (const r of receivers.splice(0)) r.close();
    await killAllChildren();
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function opened(url: string, lookup?: net.LookupFunction): Promise<UdpTsTransport> {
    const transport = transportTo(url, lookup);
    transports.push(transport);
    await transport.open(new AbortController().signal);
    return transport;
  }

  test('ffmpeg reading udp:// decodes the H.264 and AAC it is sent, live', async () => {
    const port = await getFreePort();
    const file = path.join(dir, 'ffmpeg-udp.ts');
    const receiver = spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', `udp://127.0.0.1:${port}?timeout=10000000`, '-t', '3', '-c', 'copy', '-f', 'mpegts', file]);
    await waitFor('ffmpeg to listen', async () => (await udpPortsOf(receiver.child.pid!)).includes(port), 10_000, 50);
    const transport = await opened(`udp://127.0.0.1:${port}`);
    const closed = jest.fn();
    transport.on('close', closed);
    const stop = new AbortController();
    const feeding = feedRealTime(transport, source, { signal: stop.signal });
    const exit = await receiver.exited;
    stop.abort();
    await feeding;
    expect(exit.code).toBe(0);
    const streams = await probeStreams(file);
    expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 360 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    expect(transport.bytesSent).toBeGreaterThan(500_000);
    expect(closed).not.toHaveBeenCalled();
  }, 30_000);

  test('a 500 KB backlog leaves paced at 2 × its rate: whole 1316-byte datagrams, in order, no burst', async () => {
    const receiver = await udpReceiver();
    receivers.push(receiver);
    const transport = await opened(`udp://127.0.0.1:${receiver.port}`);
    const backlog = 500_000 - (500_000 % TS_DATAGRAM_BYTES);
    writeRange(transport, source, 0, backlog);
    const rate = transport.pacer.rateBytesPerSecond;
    expect(rate).toBeGreaterThan(400_000);
    expect(rate).toBeLessThan(800_000);
    const started = performance.now();
    await waitFor('the backlog to arrive', () => receiver.chunks.reduce((n, c) => n + c.length, 0) >= backlog, 10_000, 20);
    const tookMs = receiver.datagrams.at(-1)!.atMs - started;
    expect(transport.pendingBytes).toBe(0);
    expect(transport.bytesSent).toBe(backlog);
    expect(receiver.datagrams.every((d) => d.bytes === TS_DATAGRAM_BYTES)).toBe(true);
    expect(Buffer.concat(receiver.chunks).equals(source.bytes.subarray(0, backlog))).toBe(true);
    // Paced, not burst: the backlog takes about backlog / rate, and any 10 ms carries a bounded share.
    expect(tookMs).toBeGreaterThan((backlog / rate) * 1000 * 0.8);
    expect(tookMs).toBeLessThan((backlog / rate) * 1000 * 2);
    const theoretical = (rate * (10 + TS_PACER_BURST_MS)) / 1000 + TS_DATAGRAM_BYTES;
    // Twice the theoretical bound for timer and event-loop jitter on a shared machine: ~5 % of the backlog.
    const burst = largestBurst(receiver.datagrams, 10);
    expect(burst).toBeLessThan(2 * theoretical);
  }, 30_000);

  test("'drain' follows high water; a graceful close sends the short tail; a closed transport ignores writes", async () => {
    const receiver = await udpReceiver();
    receivers.push(receiver);
    const transport = await opened(`udp://127.0.0.1:${receiver.port}`);
    const drained = new Promise<number>((resolve) => transport.once('drain', () => resolve(transport.pendingBytes)));
    // The whole source (1.7 MB, 6 s) in one go: over high water.
    writeRange(transport, source, 0, source.bytes.length);
    expect(transport.pendingBytes).toBeGreaterThan(TS_HIGH_WATER_BYTES);
    expect(await drained).toBeLessThan(TS_LOW_WATER_BYTES);
    await waitFor('the queue to empty', () => transport.pendingBytes === 0, 10_000, 20);
    transport.write(source.bytes.subarray(0, 188 * 3), 0);
    const closeEvents: Array<Error | undefined> = [];
    transport.on('close', (error) => closeEvents.push(error));
    await transport.close(true);
    await transport.close(true);
    expect(closeEvents).toEqual([undefined]);
    await waitFor('the tail', () => receiver.datagrams.at(-1)?.bytes === 188 * 3, 2000, 10);
    expect(() => transport.write(source.bytes.subarray(0, 188), 0)).not.toThrow();
    expect(transport.bytesSent).toBe(source.bytes.length - (source.bytes.length % 188) + 188 * 3);
  }, 30_000);

  test('no receiver yet is not an error (ICMP refusals are counted); multicast goes out on localaddr', async () => {
    const port = await getFreePort();
    const lonely = await opened(`udp://127.0.0.1:${port}`);
    const closed = jest.fn();
    lonely.on('close', closed);
    writeRange(lonely, source, 0, 100 * 188, 7);
    // A datagram whose send reports the refusal is not sent (nor counted in bytesSent).
    await waitFor('everything to leave the queue', () => lonely.pendingBytes === 0 && lonely.pacer.sentBytes === 100 * 188, 5000, 20);
    expect(lonely.refusedSends).toBeGreaterThan(0);
    expect(lonely.bytesSent).toBeGreaterThan(0);
    expect(closed).not.toHaveBeenCalled();

    const group = '239.255.42.99';
    const receiver = await udpReceiver(group);
    receivers.push(receiver);
    const multicast = await opened(`udp://${group}:${receiver.port}?ttl=1&localaddr=127.0.0.1&pkt_size=376`);
    writeRange(multicast, source, 0, 376 * 20);
    await waitFor('multicast datagrams', () => receiver.datagrams.length >= 20, 5000, 20);
    expect(receiver.datagrams.every((d) => d.bytes === 376)).toBe(true);
  }, 20_000);

  test('open() fails clearly: unknown host, forbidden target, localaddr not of this machine, a refused connect; an abort resolves it early', async () => {
    const notFound: net.LookupFunction = (hostname, _options, callback) => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    await expect(transportTo('udp://no-such-host.invalid:5000', notFound).open(new AbortController().signal)).rejects.toThrow('UDP: cannot resolve no-such-host.invalid (ENOTFOUND)');
    const forbidden: net.LookupFunction = (_hostname, _options, callback) => callback(Object.assign(new Error('Target 169.254.169.254 is not allowed (setting outbound_deny)'), { code: 'FORBIDDEN_TARGET' }), '', 0);
    const refused = transportTo('udp://169.254.169.254:5000', forbidden);
    const closeEvents: Array<Error | undefined> = [];
    refused.on('close', (error) => closeEvents.push(error));
    await expect(refused.open(new AbortController().signal)).rejects.toMatchObject({ code: 'FORBIDDEN_TARGET', message: 'Target 169.254.169.254 is not allowed (setting outbound_deny)' });
    expect(closeEvents).toHaveLength(1);
    await expect(transportTo('udp://127.0.0.1:5000?localaddr=198.51.100.7').open(new AbortController().signal)).rejects.toThrow(
      'UDP: cannot send from localaddr 198.51.100.7: not an address of this machine (EADDRNOTAVAIL)',
    );
    // The kernel refuses to connect a socket without SO_BROADCAST to the broadcast address.
    await expect(transportTo('udp://255.255.255.255:5000').open(new AbortController().signal)).rejects.toThrow(/^UDP: cannot set up the socket to .*EACCES/);
    const abort = new AbortController();
    abort.abort();
    const aborted = transportTo('udp://127.0.0.1:5000');
    transports.push(aborted);
    await expect(aborted.open(abort.signal)).resolves.toBeUndefined();
    expect(() => aborted.write(source.bytes.subarray(0, 188), 0)).toThrow('write() before open() resolved');
  });

  test('a resolver that never answers: open() fails with DNS after the lookup timeout, or resolves at once when aborted', async () => {
    const silent: net.LookupFunction = () => undefined;
    const slow = new UdpTsTransport({ target: resolveUdpTarget('udp://silent.example:5000'), lookup: silent, dnsTimeoutMs: 300 });
    transports.push(slow);
    const closeEvents: Array<Error | undefined> = [];
    slow.on('close', (error) => closeEvents.push(error));
    await expect(slow.open(new AbortController().signal)).rejects.toMatchObject({ code: 'DNS', message: 'UDP: no DNS answer for silent.example within 300 ms' });
    expect(closeEvents).toEqual([expect.objectContaining({ code: 'DNS' })]);
    // A push stopped while its lookup hangs is not held by it (the default timeout is 10 s).
    const stopped = transportTo('udp://silent.example:5000', silent);
    transports.push(stopped);
    const abort = new AbortController();
    const opening = stopped.open(abort.signal);
    abort.abort();
    await expect(opening).resolves.toBeUndefined();
    expect(stopped.destination).toBeUndefined();
  });
});
