import type { SystemUnderTest } from './system-under-test';

/** The pushes' reader queues as `/rest-api/push/find_all` shows them at one moment. */
export interface ReaderQueues {
  /** Pushes listed. */
  readonly pushes: number;
  /** Frames the pushes' queues dropped because their target was too slow, since each push started, all pushes together. */
  readonly droppedFrames: number;
  /** The most any one push dropped, frames. */
  readonly maxDroppedFramesPerPush: number;
  /** The longest queue, frames waiting now. */
  readonly maxQueuedFrames: number;
}

/** Thrown when find_all does not answer as the gateway's API does. */
export class ReaderQueuesError extends Error {
  readonly code = 'READER_QUEUES';
}

/** Reads every push of the gateway through `find_all` (a 404 means none). */
export async function readReaderQueues(system: SystemUnderTest): Promise<ReaderQueues> {
  const response = await fetch(`${system.httpUrl}/rest-api/push/find_all`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (response.status === 404) return { pushes: 0, droppedFrames: 0, maxDroppedFramesPerPush: 0, maxQueuedFrames: 0 };
  if (!response.ok || !Array.isArray(body)) throw new ReaderQueuesError(`${system.server.label}: push/find_all → ${response.status}`);
  const pushes = body as Array<{ droppedFrames: number; queuedFrames: number }>;
  return {
    pushes: pushes.length,
    droppedFrames: pushes.reduce((sum, p) => sum + p.droppedFrames, 0),
    maxDroppedFramesPerPush: Math.max(0, ...pushes.map((p) => p.droppedFrames)),
    maxQueuedFrames: Math.max(0, ...pushes.map((p) => p.queuedFrames)),
  };
}

/** The worse of two readings, figure by figure (e.g. over the windows at one fan-out level). */
export function worseQueues(a: ReaderQueues, b: ReaderQueues): ReaderQueues {
  return {
    pushes: Math.max(a.pushes, b.pushes),
    droppedFrames: Math.max(a.droppedFrames, b.droppedFrames),
    maxDroppedFramesPerPush: Math.max(a.maxDroppedFramesPerPush, b.maxDroppedFramesPerPush),
    maxQueuedFrames: Math.max(a.maxQueuedFrames, b.maxQueuedFrames),
  };
}
