import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { PublishersCommand, PublishersConfig, PublishersMessage, PublishersStats } from './publisher-messages';

/** Characters of the child's stderr kept to explain a failure. */
const STDERR_TAIL_CHARS = 2000;

/** Thrown when the publishers process dies or does not get ready in time. */
export class PublishersProcessError extends Error {
  readonly code = 'PUBLISHERS_PROCESS';
}

/** The harness's handle on a running publishers process (see publishers.ts). */
export class PublishersProcess {
  readonly #child: ChildProcess;
  readonly #stderr: () => string;
  /** Streams that reached PUBLISHING, in order. */
  readonly publishing: string[] = [];
  /** Streams that could not publish, with the reason. */
  readonly failed: Array<{ streamName: string; reason: string }> = [];

  private constructor(child: ChildProcess, stderr: () => string) {
    this.#child = child;
    this.#stderr = stderr;
  }

  /** Forks the process and resolves once every publish was attempted; rejects after `timeoutMs` (the child is killed). */
  static start(config: PublishersConfig, timeoutMs: number): Promise<PublishersProcess> {
    const child = fork(path.join(__dirname, 'publishers.js'), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let tail = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (tail = (tail + chunk).slice(-STDERR_TAIL_CHARS)));
    const handle = new PublishersProcess(child, () => tail);
    return new Promise((resolve, reject) => {
      const fail = (reason: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new PublishersProcessError(`${reason}${tail ? `\n${tail}` : ''}`));
      };
      const timer = setTimeout(() => fail(`publishers not ready within ${timeoutMs} ms (${handle.publishing.length}/${config.streamNames.length} publishing)`), timeoutMs);
      child.once('exit', (code, signal) => fail(`publishers process exited (${code ?? signal}) before it was ready`));
      child.on('message', (message: PublishersMessage) => {
        if (message.kind === 'publishing') handle.publishing.push(message.streamName);
        else if (message.kind === 'failed') handle.failed.push({ streamName: message.streamName, reason: message.reason });
        else if (message.kind === 'ready') {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(handle);
        }
      });
    });
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid!;
  }

  /** The pacer's longest lag since the previous call (or the start), ms; rejects if the process does not answer within `timeoutMs`. */
  lag(timeoutMs: number): Promise<number> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const onMessage = (message: PublishersMessage): void => {
        if (message.kind !== 'lag') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message.maxLagMs);
      };
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new PublishersProcessError(`publishers: no lag answer within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
      const command: PublishersCommand = { kind: 'lag' };
      child.send(command);
    });
  }

  /** Stops every publisher and returns the process's totals; kills it if it takes longer than `timeoutMs`. */
  stop(timeoutMs: number): Promise<PublishersStats | undefined> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let stats: PublishersStats | undefined;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('message', (message: PublishersMessage) => {
        if (message.kind === 'stats') stats = message.stats;
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(stats);
      });
      const command: PublishersCommand = { kind: 'stop' };
      if (child.connected) child.send(command);
      else child.kill('SIGKILL');
    });
  }

  /** What the process wrote to stderr lately (werift warnings, crashes). */
  stderrTail(): string {
    return this.#stderr();
  }
}
