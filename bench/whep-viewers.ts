import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ViewerWindow, WhepViewersCommand, WhepViewersConfig, WhepViewersMessage, WhepViewersReply, WhepViewersRequest } from './whep-viewer-messages';

/** Characters of the child's stderr kept to explain a failure. */
const STDERR_TAIL_CHARS = 2000;
/** Bound on one command, ms: a play is ICE gathering (≤ 5 s) and the POST (≤ requestTimeoutMs) at most. */
const COMMAND_TIMEOUT_MS = 30_000;

/** Thrown when the viewers process fails a command, does not answer in time, or dies. */
export class WhepViewersError extends Error {
  readonly code = 'WHEP_VIEWERS';
}

/**
 * The harness's handle on the WHEP viewers process (whep-viewers-process.ts): viewers of one
 * stream played and ended one at a time, their first frames, and their windows.
 */
export class WhepViewers {
  readonly #child: ChildProcess;
  readonly #stderr: () => string;
  readonly #pending = new Map<number, { resolve: (reply: WhepViewersReply) => void; reject: (err: Error) => void }>();
  /** Viewers whose first video frame arrived, and who waits for the others'. */
  readonly #withVideo = new Set<string>();
  readonly #videoWaiters = new Map<string, () => void>();
  #nextRequest = 1;

  private constructor(child: ChildProcess, stderr: () => string) {
    this.#child = child;
    this.#stderr = stderr;
    child.on('message', (message: WhepViewersMessage) => {
      if (message.kind === 'first-video') {
        this.#withVideo.add(message.key);
        this.#videoWaiters.get(message.key)?.();
        return;
      }
      const pending = this.#pending.get(message.request);
      this.#pending.delete(message.request);
      pending?.resolve(message);
    });
    child.once('exit', (code, signal) => {
      const err = new WhepViewersError(`WHEP viewers process exited (${code ?? signal})\n${stderr()}`);
      for (const { reject } of this.#pending.values()) reject(err);
      this.#pending.clear();
    });
  }

  /** Forks the viewers process (it is ready at once: it only waits for commands). */
  static spawn(config: WhepViewersConfig): WhepViewers {
    const child = fork(path.join(__dirname, 'whep-viewers-process.js'), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let tail = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (tail = (tail + chunk).slice(-STDERR_TAIL_CHARS)));
    return new WhepViewers(child, () => tail);
  }

  /** Plays the WHEP endpoint `endpointUrl` (…/whep/<name>) as viewer `key`; resolves with its resource once the answer is applied. */
  async play(key: string, endpointUrl: string): Promise<string> {
    const reply = await this.#command({ kind: 'play', key, endpointUrl });
    if (reply.kind !== 'playing') throw new WhepViewersError(`unexpected reply to play: ${reply.kind}`);
    return reply.resourceUrl;
  }

  /** Ends viewer `key` (DELETE on its resource). */
  async end(key: string): Promise<void> {
    this.#withVideo.delete(key);
    await this.#command({ kind: 'end', key });
  }

  /** Resolves once viewer `key` received a whole video frame; rejects after `timeoutMs`. */
  firstVideo(key: string, timeoutMs: number): Promise<void> {
    if (this.#withVideo.has(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#videoWaiters.delete(key);
        reject(new WhepViewersError(`WHEP viewer ${key} received no video frame within ${timeoutMs} ms\n${this.#stderr()}`));
      }, timeoutMs);
      this.#videoWaiters.set(key, () => {
        clearTimeout(timer);
        this.#videoWaiters.delete(key);
        resolve();
      });
    });
  }

  /** Starts a new window for every viewer. */
  async resetWindows(): Promise<void> {
    await this.#command({ kind: 'reset' });
  }

  /** The current window of each of `keys`. */
  async windows(keys: readonly string[]): Promise<ViewerWindow[]> {
    const reply = await this.#command({ kind: 'windows', keys });
    if (reply.kind !== 'windows') throw new WhepViewersError(`unexpected reply to windows: ${reply.kind}`);
    return [...reply.windows];
  }

  /** Disconnects the process (it exits, leaving any viewer to the gateway's ICE timeout); SIGKILL if it lingers past `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
    await exited;
    clearTimeout(timer);
  }

  /** Sends `command`; resolves with its reply unless that says it failed. */
  #command(command: WhepViewersRequest): Promise<WhepViewersReply> {
    if (!this.#child.connected) return Promise.reject(new WhepViewersError(`WHEP viewers process is gone: cannot ${command.kind}\n${this.#stderr()}`));
    const request = this.#nextRequest++;
    return new Promise<WhepViewersReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(request);
        reject(new WhepViewersError(`WHEP viewers: no answer to ${command.kind} within ${COMMAND_TIMEOUT_MS} ms\n${this.#stderr()}`));
      }, COMMAND_TIMEOUT_MS);
      this.#pending.set(request, {
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.kind === 'failed') reject(new WhepViewersError(`WHEP viewers: ${command.kind} failed: ${reply.reason}`));
          else resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      const numbered: WhepViewersCommand = { ...command, request };
      this.#child.send(numbered);
    });
  }
}
