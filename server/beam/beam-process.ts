import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log';
import { withParentDeathSignal, type BeamCommand } from './capture-commands';

/** How long a process gets after SIGTERM before SIGKILL, ms. */
const KILL_GRACE_MS = 2000;
/** Characters of stderr kept for the log when a process ends badly. */
const STDERR_TAIL = 2000;

/** How a process ended. */
export interface BeamExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One process of a beam (Xvfb, PulseAudio, Chromium): its own process group (so one signal also
 * reaches Chromium's renderers and helpers), killed by the kernel if the gateway dies (setpriv
 * --pdeathsig), stderr read line by line. `stop()` is idempotent: SIGTERM to the group, SIGKILL
 * after 2 s.
 */
export class BeamProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<BeamExit>;
  #stderrTail = '';
  #stopping: Promise<void> | undefined;

  constructor(name: string, command: BeamCommand, options: { readonly extraFd?: boolean; readonly onStderrLine?: (line: string) => void }, logger: Logger) {
    this.name = name;
    const run = withParentDeathSignal(command);
    this.child = spawn(run.command, run.args, {
      env: { ...process.env, ...run.env },
      detached: true,
      stdio: options.extraFd ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'pipe'],
    });
    let partial = '';
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL);
      if (!options.onStderrLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine(line);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.once('error', (err) => {
        logger.error({ process: name, err: err.message }, 'beam process could not start');
        resolve({ code: -1, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** The end of what it wrote on stderr. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (!this.running) return;
      this.#signalGroup('SIGTERM');
      const timer = setTimeout(() => this.#signalGroup('SIGKILL'), KILL_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
      // What the leader left behind in its group (Chromium's helpers) goes too.
      this.#signalGroup('SIGKILL');
    })();
    return this.#stopping;
  }

  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}
