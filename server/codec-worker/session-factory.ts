import type { CodecJob } from '../codec/protocol';
import { OpusToAacSession } from './opus-to-aac-session';
import type { WorkerSession } from './worker-session';

/** Opens the session a job asks for. Throws when it cannot be opened. */
export function createWorkerSession(job: CodecJob): WorkerSession {
  switch (job.kind) {
    case 'opus-to-aac':
      return new OpusToAacSession(job.bitrateBps);
    default:
      throw new Error(`${job.kind} is not supported`);
  }
}
