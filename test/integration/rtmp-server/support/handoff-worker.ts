/**
 * A stand-in media worker for the cross-process hand-off test, run as a child process through
 * scripts/ts-register.cjs: resumes the RTMP connections its parent hands over, over its own paths,
 * and reports what the test checks (frames flowing on a stream, sessions closed).
 */
import type net from 'node:net';
import pino from 'pino';
import type { EndReason } from '../../../../server/hub/end-reason';
import type { RtmpAccessPolicy } from '../../../../server/rtmp/server/access-policy';
import { ServerSession, type SessionSnapshot } from '../../../../server/rtmp/server/server-session';
import { TestPaths } from '../../../support/test-paths';
import { DEFAULT_LIMIT_OPTIONS } from './client-limits';

/** Parent → worker; `resume` comes with the socket. */
export type WorkerRequest = { readonly type: 'resume'; readonly id: number; readonly snapshot: SessionSnapshot } | { readonly type: 'close'; readonly id: number; readonly reason: EndReason };

/** Worker → parent. */
export type WorkerReport =
  | { readonly type: 'ready' }
  | { readonly type: 'frames'; readonly name: string; readonly count: number }
  | { readonly type: 'closed'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: string };

/** Frames a published stream must deliver here before the worker reports it. */
const FRAMES_TO_REPORT = 100;

const allowAll: RtmpAccessPolicy = { admitConnection: () => ({ allowed: true }), authorizeStream: async () => ({ allowed: true }) };
const paths = new TestPaths();
const options = { ...DEFAULT_LIMIT_OPTIONS, paths, access: allowAll, playerMaxQueuedMs: 5000, traceMessages: false, logger: pino({ level: 'silent' }) };
const sessions = new Map<number, ServerSession>();
const report = (message: WorkerReport): void => void process.send!(message);

paths.on('path-published', ({ name }) => {
  let seen = 0;
  const reader = paths.stream(name)!.addReader({ label: 'handoff-worker', codecs: ['h264', 'aac'], fromCache: false, limits: { maxBytes: 1 << 30, maxMs: 3_600_000 } });
  reader.start((frames) => {
    seen += frames.length;
    if (seen < FRAMES_TO_REPORT) return;
    reader.close();
    report({ type: 'frames', name, count: seen });
  });
});

process.on('message', (request: WorkerRequest, socket: net.Socket | undefined) => {
  if (request.type === 'close') {
    sessions.get(request.id)?.close(request.reason);
    return;
  }
  try {
    const session = ServerSession.resume(socket!, request.snapshot, options);
    sessions.set(request.id, session);
    session.once('closed', () => {
      sessions.delete(request.id);
      report({ type: 'closed', id: request.id });
    });
  } catch (error) {
    socket?.destroy();
    report({ type: 'failed', id: request.id, error: String(error) });
  }
});
// The parent went away: nothing is left to serve.
process.on('disconnect', () => process.exit(0));
report({ type: 'ready' });
