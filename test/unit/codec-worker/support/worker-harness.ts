import { CodecWorkerProcess } from '../../../../server/codec/codec-worker-process';
import type { CodecOutput, FromWorkerBatch } from '../../../../server/codec/protocol';
import { waitFor } from '../../../support/wait-for';

/** How long a batch may take in the worker: x264 and the AAC encoder on a shared 2-core machine. */
const WORKER_TIMEOUT_MS = 30_000;

/** A real codec worker (started from the TypeScript sources) and everything it answered. */
export class WorkerHarness {
  readonly batches: FromWorkerBatch[] = [];

  private constructor(readonly worker: CodecWorkerProcess) {
    worker.on('batch', (batch) => this.batches.push(batch));
  }

  static async start(): Promise<WorkerHarness> {
    const worker = new CodecWorkerProcess({ stallTimeoutMs: WORKER_TIMEOUT_MS, startTimeoutMs: WORKER_TIMEOUT_MS });
    const harness = new WorkerHarness(worker);
    await new Promise<void>((resolve, reject) => {
      worker.once('ready', () => resolve());
      worker.once('exit', (reason) => reject(new Error(reason)));
    });
    return harness;
  }

  /** Resolves once every input sent so far has been answered. */
  async settle(): Promise<void> {
    await waitFor('the worker to answer', () => this.worker.backlogBytes === 0 || this.worker.exited, WORKER_TIMEOUT_MS, 10);
    if (this.worker.exited) throw new Error('the codec worker exited');
  }

  outputs(session: number): CodecOutput[] {
    return this.batches.flatMap((b) => b.outputs.filter((o) => o.session === session));
  }

  parameters(session: number): Array<{ sps: Uint8Array; pps: Uint8Array }> {
    return this.batches.flatMap((b) => b.parameters.filter((p) => p.session === session));
  }

  refused(session: number): string[] {
    return this.batches.flatMap((b) => b.refused.filter((r) => r.session === session).map((r) => r.reason));
  }

  failed(session: number): string[] {
    return this.batches.flatMap((b) => b.failed.filter((f) => f.session === session).map((f) => f.reason));
  }

  /** Drains the session and resolves once the worker says it has. */
  async drain(session: number): Promise<void> {
    this.worker.drainSession(session);
    await waitFor('the session to drain', () => this.batches.some((b) => b.drained.includes(session)) || this.worker.exited, WORKER_TIMEOUT_MS, 10);
    if (this.worker.exited) throw new Error('the codec worker exited');
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
