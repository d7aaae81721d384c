import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { EndReasons } from '../../../server/hub/end-reason';
import type { RtmpAccessPolicy } from '../../../server/rtmp/server/access-policy';
import { RtmpListener } from '../../../server/rtmp/server/rtmp-listener';
import type { SessionHandOff } from '../../../server/rtmp/server/server-session';
import { probeStreams } from '../../support/media-probe';
import { getFreePort } from '../../support/ports';
import { killAllChildren, stopGracefully, type TrackedProcess } from '../../support/processes';
import { TestPaths } from '../../support/test-paths';
import { DEFAULT_LIMIT_OPTIONS } from './support/client-limits';
import { publishTestPattern } from './support/ffmpeg-publisher';
import type { WorkerReport, WorkerRequest } from './support/handoff-worker';

const allowAll: RtmpAccessPolicy = { admitConnection: () => ({ allowed: true }), authorizeStream: async () => ({ allowed: true }) };

/**
 * The hand-over of RTMP connections to another process, as the media workers will do it: the
 * listener here sends each publish's and play's socket and snapshot over IPC to a child that
 * resumes them (support/handoff-worker.ts, TypeScript run through the tests' swc hook).
 */
describe('RTMP connections handed over to a child process', () => {
  let child: ChildProcess;
  let listener: RtmpListener;
  let port: number;
  let publisher: TrackedProcess | undefined;
  let stderr = '';
  const here = new TestPaths();
  const reports: WorkerReport[] = [];
  /** Resolves the `closed` of each RemoteSession by hand-off id. */
  const closers = new Map<number, () => void>();

  function reported<T extends WorkerReport>(match: (report: WorkerReport) => report is T, timeoutMs: number): Promise<T> {
    const found = reports.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such report from the worker within ${timeoutMs} ms; got ${JSON.stringify(reports)}; stderr: ${stderr}`)), timeoutMs);
      const onReport = (report: WorkerReport): void => {
        if (!match(report)) return;
        clearTimeout(timer);
        child.off('message', onReport);
        resolve(report);
      };
      child.on('message', onReport);
    });
  }

  beforeAll(async () => {
    const root = path.join(__dirname, '..', '..', '..');
    child = fork(path.join(__dirname, 'support', 'handoff-worker.ts'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--require', path.join(root, 'scripts', 'ts-register.cjs')],
    });
    child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('message', (report: WorkerReport) => {
      reports.push(report);
      if (report.type === 'closed' || report.type === 'failed') closers.get(report.id)?.();
    });
    // A worker that dies ends every connection it held.
    child.once('exit', () => [...closers.values()].forEach((resolve) => resolve()));
    await reported((r): r is WorkerReport & { type: 'ready' } => r.type === 'ready', 20_000);

    let nextId = 1;
    const handOff: SessionHandOff = (socket, snapshot) => {
      const id = nextId++;
      const closed = new Promise<void>((resolve) => closers.set(id, resolve));
      child.send({ type: 'resume', id, snapshot } satisfies WorkerRequest, socket);
      return { close: (reason) => void child.send({ type: 'close', id, reason } satisfies WorkerRequest), closed };
    };
    port = await getFreePort();
    listener = await RtmpListener.listen({
      ...DEFAULT_LIMIT_OPTIONS,
      host: '127.0.0.1',
      port,
      paths: here,
      access: allowAll,
      playerMaxQueuedMs: 5000,
      traceMessages: false,
      logger: pino({ level: 'silent' }),
      placeStream: () => handOff,
    });
  });

  afterAll(async () => {
    if (publisher) await stopGracefully(publisher.child);
    child.kill();
    await killAllChildren();
  });

  test("ffmpeg's publish runs in the child: its frames flow there and the stream never appears here", async () => {
    publisher = publishTestPattern(`rtmp://127.0.0.1:${port}/live/cam`, { seconds: 60 });
    const frames = await reported((r): r is WorkerReport & { type: 'frames' } => r.type === 'frames' && r.name === 'cam', 20_000);
    expect(frames.count).toBeGreaterThanOrEqual(100);
    expect(here.stream('cam')).toBeUndefined();
  });

  test('a player of that name is handed to the child too and gets H.264 and AAC', async () => {
    const streams = await probeStreams(`rtmp://127.0.0.1:${port}/live/cam`, { timeoutMs: 20_000 });
    expect(streams.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(streams.audio).toMatchObject({ codec: 'aac', sampleRate: 44100 });
    expect(reports.filter((r) => r.type === 'failed')).toEqual([]);
  });

  test('closing the listener closes the connections in the child through their shells', async () => {
    await listener.close(EndReasons.shutdown);
    // The publisher (1) and the player (2): both closed over there.
    expect(reports.filter((r) => r.type === 'closed').map((r) => (r as { id: number }).id).sort()).toEqual([1, 2]);
    expect(child.exitCode).toBeNull();
  });
});
