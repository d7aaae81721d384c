/**
 * A codec worker: a child process of the gateway that runs many codec sessions in-process with
 * node-av (FFmpeg's libraries). The gateway sends batches of opens, inputs and closes; each batch
 * is answered by one batch of outputs. A native crash here ends this process only: the gateway
 * restarts it and reopens its sessions elsewhere.
 */
import { AV_LOG_ERROR } from 'node-av/constants';
import { getFFmpegInfo, Log } from 'node-av/lib';
import type { FromWorkerBatch, ToWorkerBatch, WorkerReady } from '../codec/protocol';
import { createWorkerSession } from './session-factory';
import { InputRefusedError, type SessionOutputs, type WorkerSession } from './worker-session';

// FFmpeg's info lines (x264 prints statistics at every close) would push the messages that
// explain a crash out of the stderr tail the gateway keeps.
Log.setLevel(AV_LOG_ERROR);

const sessions = new Map<number, WorkerSession>();

function handle(batch: ToWorkerBatch): FromWorkerBatch {
  const answer = { ack: batch.seq, outputs: [], parameters: [], refused: [], failed: [], drained: [] } as {
    -readonly [K in keyof FromWorkerBatch]: FromWorkerBatch[K] extends ReadonlyArray<infer T> ? T[] : FromWorkerBatch[K];
  };
  const fail = (session: number, err: unknown): void => {
    sessions.get(session)?.close();
    sessions.delete(session);
    answer.failed.push({ session, reason: (err as Error).message });
  };
  for (const { session, job } of batch.opens) {
    try {
      sessions.set(session, createWorkerSession(job));
    } catch (err) {
      answer.failed.push({ session, reason: `could not open ${job.kind}: ${(err as Error).message}` });
    }
  }
  const outputsOf = (session: number): SessionOutputs => ({
    output: (output) => answer.outputs.push({ session, ...output }),
    parameters: (sps, pps) => answer.parameters.push({ session, sps, pps }),
  });
  for (const input of batch.inputs) {
    const session = sessions.get(input.session);
    if (!session) continue; // failed or closed earlier; the gateway knows
    const outputs = outputsOf(input.session);
    try {
      session.push(input, outputs);
    } catch (err) {
      if (err instanceof InputRefusedError) answer.refused.push({ session: input.session, reason: err.message });
      else fail(input.session, err);
    }
  }
  for (const id of batch.drains) {
    const session = sessions.get(id);
    if (!session) continue;
    try {
      session.drain?.(outputsOf(id));
    } catch (err) {
      fail(id, err);
      continue;
    }
    session.close();
    sessions.delete(id);
    answer.drained.push(id);
  }
  for (const session of batch.closes) {
    sessions.get(session)?.close();
    sessions.delete(session);
  }
  return answer;
}

process.on('message', (batch: ToWorkerBatch) => process.send!(handle(batch)));
// The gateway went away: nothing left to serve.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true, ffmpegVersion: getFFmpegInfo().version } satisfies WorkerReady);
