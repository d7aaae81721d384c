import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SRT_TOOL_MISSING } from '../../../server/sinks/mpegts/srt-child';
import { resolveSrtTarget } from '../../../server/sinks/mpegts/srt-target';
import { SrtTsTransport, type SrtTsTransportOptions } from '../../../server/sinks/mpegts/srt-ts-transport';
import { TS_DATAGRAM_BYTES } from '../../../server/sinks/mpegts/ts-transport';
import { childProcesses } from '../../support/child-processes';
import { probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { killAllChildren, spawnTracked, type TrackedProcess } from '../../support/processes';
import { TsReader } from '../../support/ts-reader';
import { udpPortsOf } from '../../support/udp-sockets';
import { waitFor } from '../../support/wait-for';
import { feedRealTime, makeTsSource, writeRange, type TsSource } from './support/ts-source';

const PASSPHRASE = 'correct-horse-battery';

/** Starts `cmd` and waits until it listens on UDP `port` (an SRT listener is bound before it accepts). */
async function listening(port: number, cmd: string, args: readonly string[], stdout: 'pipe' | 'ignore' = 'ignore'): Promise<TrackedProcess> {
  const tracked = spawnTracked(cmd, args, { stdout });
  await waitFor(`${cmd} to listen on ${port}`, async () => (await udpPortsOf(tracked.child.pid!)).includes(port), 10_000, 50);
  return tracked;
}

/** ffmpeg as an SRT listener copying `seconds` of what it receives into `file`. */
function ffmpegListener(port: number, file: string, query = '', seconds = 3): Promise<TrackedProcess> {
  return listening(port, 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', `srt://127.0.0.1:${port}?mode=listener${query}`, '-t', String(seconds), '-c', 'copy', '-f', 'mpegts', file]);
}

/** srt-live-transmit tool processes still running under this process. */
async function liveTools(): Promise<number> {
  return (await childProcesses()).filter((c) => c.commandLine.includes('srt-live-transmit')).length;
}

describe('SrtTsTransport (srt-live-transmit)', () => {
  let dir: string;
  let source: TsSource;
  const transports: SrtTsTransport[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'srt-transport-'));
    source = await makeTsSource(dir, 6);
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close(false)));
    await killAllChildren();
    expect(await liveTools()).toBe(0);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function transport(url: string, options: Partial<SrtTsTransportOptions> = {}): SrtTsTransport {
    const created = new SrtTsTransport({ target: resolveSrtTarget(url), ...options });
    transports.push(created);
    return created;
  }

  /** The 'close' events of `t`, as they come. */
  function closeEvents(t: SrtTsTransport): Array<Error | undefined> {
    const events: Array<Error | undefined> = [];
    t.on('close', (error) => events.push(error));
    return events;
  }

  test('caller with a passphrase → ffmpeg listener: it decodes H.264 and AAC; its leaving ends the transport with an error', async () => {
    const port = await getFreePort();
    const file = path.join(dir, 'caller.ts');
    const receiver = await ffmpegListener(port, file, `&passphrase=${PASSPHRASE}`);
    const srt = transport(`srt://127.0.0.1:${port}?passphrase=${PASSPHRASE}&latency=200`);
    const closed = closeEvents(srt);
    await srt.open(new AbortController().signal);
    expect(srt.pid).toBeGreaterThan(0);
    const feeding = feedRealTime(srt, source, { stopWhen: () => closed.length > 0 });
    expect((await receiver.exited).code).toBe(0);
    await waitFor("'close'", () => closed.length > 0, 10_000, 20);
    await feeding;
    expect(closed).toHaveLength(1);
    expect(closed[0]?.message).toBe(`SRT: the connection to 127.0.0.1:${port} was lost (the receiver closed it or stopped answering)`);
    expect(srt.bytesSent).toBeGreaterThan(500_000);
    const streams = await probeStreams(file);
    expect(streams.video).toMatchObject({ codec: 'h264', width: 640, height: 360 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
  }, 30_000);

  test('the bytes arrive untouched (our continuity counters), a short last chunk padded with null packets; close(true) flushes', async () => {
    const port = await getFreePort();
    const receiver = await listening(port, 'srt-live-transmit', ['-a:no', '-q', `srt://127.0.0.1:${port}?mode=listener`, 'file://con'], 'pipe');
    const received: Buffer[] = [];
    receiver.child.stdout!.on('data', (chunk: Buffer) => received.push(chunk));
    const receivedBytes = (): number => received.reduce((n, c) => n + c.length, 0);
    const srt = transport(`srt://127.0.0.1:${port}`);
    const closed = closeEvents(srt);
    await srt.open(new AbortController().signal);
    const sent = 300 * TS_DATAGRAM_BYTES + 3 * 188;
    writeRange(srt, source, 0, sent);
    // The 3-packet tail leaves after the pacer's hold, padded to a whole chunk by 4 null packets
    // (the receiving tool's stdout holds up to 4 KiB until it exits).
    const padded = sent + 4 * 188;
    await waitFor('the bytes', () => receivedBytes() >= padded - 4096, 5000, 20);
    expect(srt.bytesSent).toBe(padded);

    const more = 100 * TS_DATAGRAM_BYTES;
    writeRange(srt, source, sent, sent + more);
    const closing = performance.now();
    await srt.close(true);
    expect(performance.now() - closing).toBeLessThan(2500);
    expect(closed).toEqual([undefined]);
    expect(srt.bytesSent).toBe(padded + more);
    expect(srt.pendingBytes).toBe(0);
    expect((await receiver.exited).code).toBe(0);

    const bytes = Buffer.concat(received);
    expect(bytes.subarray(0, sent).equals(source.bytes.subarray(0, sent))).toBe(true);
    for (let at = sent; at < padded; at += 188) expect(bytes.readUInt16BE(at + 1) & 0x1fff).toBe(0x1fff);
    // The flushed bytes, but for the last chunk or two: the receiving tool sees the shutdown before it
    // has read them (measured: the sending tool sent them all) and exits. Unflushed, ~all 100 would be lost.
    expect(bytes.length).toBeGreaterThanOrEqual(padded + more - 3 * TS_DATAGRAM_BYTES);
    expect(bytes.subarray(padded).equals(source.bytes.subarray(sent, sent + bytes.length - padded))).toBe(true);
    const reader = new TsReader();
    reader.push(bytes);
    expect(reader.summary().ccErrors).toBe(0);
  }, 20_000);

  test('a wrong or missing passphrase is refused clearly, at once; the tool is gone afterwards', async () => {
    const port = await getFreePort();
    await ffmpegListener(port, path.join(dir, 'refused.ts'), `&passphrase=${PASSPHRASE}`, 10);
    const wrong = transport(`srt://127.0.0.1:${port}?passphrase=wrong-passphrase`);
    const closed = closeEvents(wrong);
    const started = performance.now();
    await expect(wrong.open(new AbortController().signal)).rejects.toMatchObject({ code: 'REJECTED', message: 'SRT: the receiver rejected the connection: wrong passphrase' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(closed).toHaveLength(1);
    await expect(transport(`srt://127.0.0.1:${port}`).open(new AbortController().signal)).rejects.toThrow(
      'SRT: the receiver rejected the connection: passphrase required or unexpected (one side has a passphrase, the other none)',
    );
    await wrong.close(false);
    await waitFor('the tools to exit', async () => (await liveTools()) === 0, 3000, 50);
  }, 20_000);

  test('nothing listening: open() rejects after the connect timeout; a missing tool is named', async () => {
    const port = await getFreePort();
    const started = performance.now();
    await expect(transport(`srt://127.0.0.1:${port}`, { connectTimeoutMs: 1000 }).open(new AbortController().signal)).rejects.toMatchObject({
      code: 'CONNECT_TIMEOUT',
      message: `SRT: could not connect to 127.0.0.1:${port} (no answer within 1 s: is an SRT listener running there, and is its UDP port reachable?)`,
    });
    expect(performance.now() - started).toBeLessThan(3000);
    await expect(transport('srt://127.0.0.1:9000', { command: 'srt-live-transmit-not-installed' }).open(new AbortController().signal)).rejects.toMatchObject({ code: 'MISSING_TOOL', message: SRT_TOOL_MISSING });
    // An abort while connecting resolves open() at once and ends the tool.
    const abort = new AbortController();
    const aborted = transport(`srt://127.0.0.1:${port}`);
    const opening = aborted.open(abort.signal);
    await waitFor('the tool to start', () => aborted.pid !== undefined, 3000, 10);
    abort.abort();
    await expect(opening).resolves.toBeUndefined();
    await aborted.close(false);
  }, 20_000);

  test('a resolver that never answers: open() fails with DNS after the lookup timeout; no tool is started', async () => {
    const silent = (): void => undefined;
    const caller = transport('srt://silent.example:9000', { lookup: silent, dnsTimeoutMs: 300 });
    await expect(caller.open(new AbortController().signal)).rejects.toMatchObject({ code: 'DNS', message: 'SRT: no DNS answer for silent.example within 300 ms' });
    expect(caller.pid).toBeUndefined();
  });

  test('a receiver killed and restarted mid-stream: the transport ends with an error, a new one connects', async () => {
    const port = await getFreePort();
    const first = await ffmpegListener(port, path.join(dir, 'first.ts'), '', 30);
    const srt = transport(`srt://127.0.0.1:${port}`);
    const closed = closeEvents(srt);
    await srt.open(new AbortController().signal);
    const feeding = feedRealTime(srt, source, { stopWhen: () => closed.length > 0 });
    await waitFor('bytes to flow', () => srt.bytesSent > 100_000, 5000, 20);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await ffmpegListener(port, path.join(dir, 'second.ts'), '', 2);
    const lostAt = performance.now();
    // SRT notices a peer that vanished without a word after its idle timeout (5 s).
    await waitFor("'close'", () => closed.length > 0, 10_000, 50);
    await feeding;
    expect(performance.now() - lostAt).toBeLessThan(7000);
    expect(closed[0]).toMatchObject({ code: 'DISCONNECTED', message: `SRT: the connection to 127.0.0.1:${port} was lost (the receiver closed it or stopped answering)` });
    const again = transport(`srt://127.0.0.1:${port}`);
    await again.open(new AbortController().signal);
    void feedRealTime(again, source, { stopWhen: () => again.closed });
    expect((await second.exited).code).toBe(0);
    expect((await probeStreams(path.join(dir, 'second.ts'))).video?.codec).toBe('h264');
  }, 30_000);

  test('listener mode: open once an ffmpeg caller connects; its leaving ends the transport', async () => {
    const port = await getFreePort();
    const srt = transport(`srt://127.0.0.1:${port}?mode=listener&latency=120`);
    const closed = closeEvents(srt);
    let open = false;
    const opening = srt.open(new AbortController().signal).then(() => (open = true));
    await waitFor('the tool to listen', async () => srt.pid !== undefined && (await udpPortsOf(srt.pid)).includes(port), 5000, 50);
    expect(open).toBe(false);
    const file = path.join(dir, 'listener.ts');
    const caller = spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', `srt://127.0.0.1:${port}`, '-t', '2', '-c', 'copy', '-f', 'mpegts', file]);
    await opening;
    const feeding = feedRealTime(srt, source, { stopWhen: () => closed.length > 0 });
    expect((await caller.exited).code).toBe(0);
    await waitFor("'close'", () => closed.length > 0, 10_000, 20);
    await feeding;
    expect(closed[0]).toMatchObject({ code: 'DISCONNECTED', message: `SRT: the receiver that called 127.0.0.1:${port} disconnected` });
    expect((await probeStreams(file)).audio?.codec).toBe('aac');
  }, 30_000);
});
