import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RtmpSourcesCommand, RtmpSourcesConfig, RtmpSourcesMessage } from './rtmp-source-messages';

/** Characters of the child's stderr kept to explain a failure. */
const STDERR_TAIL_CHARS = 2000;

/** Thrown when the sources process dies or does not answer in time. */
export class RtmpSourcesError extends Error {
  readonly code = 'RTMP_SOURCES';
}

/** The harness's handle on a running RTMP sources process (see rtmp-sources.ts). */
export class RtmpSourcesProcess {
  readonly #child: ChildProcess;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS)));
  }

  /** Forks the process; it publishes nothing until `add`. */
  static start(config: RtmpSourcesConfig): RtmpSourcesProcess {
    return new RtmpSourcesProcess(fork(path.join(__dirname, 'rtmp-sources.js'), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Connects one source per entry (`name` published at `url`); resolves with those publishing and those that failed, within `timeoutMs`. */
  async add(sources: ReadonlyArray<{ readonly name: string; readonly url: string }>, timeoutMs: number): Promise<Extract<RtmpSourcesMessage, { kind: 'added' }>> {
    return this.#ask({ kind: 'add', sources }, 'added', timeoutMs);
  }

  /** The pacer's longest lag since the previous call, ms. */
  async lag(): Promise<number> {
    return (await this.#ask({ kind: 'lag' }, 'lag', 5000)).maxLagMs;
  }

  /** Closes every source; kills the process if it takes longer than `timeoutMs`. */
  stop(timeoutMs: number): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      const command: RtmpSourcesCommand = { kind: 'stop' };
      if (child.connected) child.send(command);
      else child.kill('SIGKILL');
    });
  }

  #ask<K extends RtmpSourcesMessage['kind']>(command: RtmpSourcesCommand, answer: K, timeoutMs: number): Promise<Extract<RtmpSourcesMessage, { kind: K }>> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (message: RtmpSourcesMessage): void => {
        if (message.kind !== answer) return;
        done();
        resolve(message as Extract<RtmpSourcesMessage, { kind: K }>);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        done();
        reject(new RtmpSourcesError(`rtmp sources exited (${code ?? signal})${this.#stderr ? `\n${this.#stderr}` : ''}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new RtmpSourcesError(`rtmp sources: no ${answer} within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(command);
    });
  }
}
