import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { GATEWAY_NODE_FLAGS } from '../server/node-flags';
import { readTreeUsage, type TreeUsage } from './process-usage';

/** Characters of the log quoted when a server fails. */
const LOG_TAIL_CHARS = 2000;
/** Spacing of readiness probes, ms. */
const PROBE_INTERVAL_MS = 100;

/** How to run one server under test. */
export interface ServerProcessOptions {
  /** Shown in the report and in errors. */
  readonly label: string;
  /** Node script and its arguments. */
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** stdout and stderr go to this file. */
  readonly logFile: string;
  /** Any HTTP answer from this URL means the server is up. */
  readonly readyUrl: string;
  /** Bound on start-up, ms. */
  readonly startTimeoutMs: number;
  /** Extra node flags (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
  /** Environment variables added to the bench's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Thrown when a server does not come up or dies. */
export class ServerProcessError extends Error {
  readonly code = 'SERVER_PROCESS';
}

/**
 * A Node server the bench measures (the gateway or the baseline), with the gateway's V8 flags (both
 * designs get them, so the comparison is of the designs): spawned with its output in a log
 * file, ready once it answers HTTP, read through /proc (its own usage and its children's), and
 * stopped with SIGTERM, then SIGKILL if it lingers.
 */
export class ServerProcess {
  /** Servers started and not yet exited, for killAll(). */
  static readonly #live = new Set<ServerProcess>();
  readonly label: string;
  readonly #child: ChildProcess;
  readonly #logFile: string;
  readonly #exited: Promise<void>;

  private constructor(label: string, child: ChildProcess, logFile: string) {
    this.label = label;
    this.#child = child;
    this.#logFile = logFile;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    ServerProcess.#live.add(this);
    void this.#exited.then(() => ServerProcess.#live.delete(this));
  }

  /** SIGKILLs every server still running (the harness is dying). */
  static killAll(): void {
    for (const server of ServerProcess.#live) server.#child.kill('SIGKILL');
  }

  /** Spawns the server and waits until it answers HTTP. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const log = openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...(options.nodeFlags ?? []), options.script, ...options.args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const server = new ServerProcess(options.label, child, options.logFile);
    const deadline = performance.now() + options.startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new ServerProcessError(`${options.label} exited during start-up\n${server.logTail()}`);
      if (await answers(options.readyUrl)) return server;
      if (performance.now() > deadline) {
        await server.stop(1000);
        throw new ServerProcessError(`${options.label} did not answer ${options.readyUrl} within ${options.startTimeoutMs} ms\n${server.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** CPU and memory of the server and its children (transcoders) now. */
  usage(): Promise<TreeUsage> {
    return readTreeUsage(this.pid);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs: number): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    this.#child.kill('SIGTERM');
    await this.#exited;
    clearTimeout(timer);
  }

  /** The end of the server's log. */
  logTail(): string {
    try {
      return readFileSync(this.#logFile, 'utf8').slice(-LOG_TAIL_CHARS);
    } catch {
      return '';
    }
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
