import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { getFreePort } from '../../support/ports';
import { waitFor } from '../../support/wait-for';

/** How the gateway is run in production (systemd runs it too): its environment is part of what is measured. */
const SERVE = path.resolve(__dirname, '..', '..', '..', 'scripts', 'serve.sh');

/** What the process holds: resident memory and descriptors (the kernel's), and live JavaScript memory (V8's). */
export interface ProcessFootprint {
  /** Resident memory, bytes. */
  readonly rssBytes: number;
  /** Open file descriptors (sockets included). */
  readonly fds: number;
  /** V8 heap in use plus memory held by Buffers and other external objects, bytes (process.memoryUsage: heapUsed + external). */
  readonly liveJsBytes: number;
}

/** The built gateway as its own process, started by scripts/serve.sh, so its memory and descriptors can be read from outside. */
export class GatewayProcess {
  private constructor(
    readonly child: ChildProcess,
    private readonly output: () => string,
    private readonly inspectorPort: number,
  ) {}

  /** Writes `settings` to a properties file in `dir` and starts the gateway on it; resolves once its HTTP port listens. */
  static async start(dir: string, settings: Record<string, string | number>): Promise<GatewayProcess> {
    const config = path.join(dir, 'gateway.properties');
    await writeFile(config, Object.entries(settings).map(([key, value]) => `${key}=${value}`).join('\n'));
    // The inspector (loopback only) lets the test ask for a garbage collection before it reads the
    // process's memory: V8 collects lazily, and tens of MB of dead buffers may wait for it.
    const inspectorPort = await getFreePort();
    const child = spawn(SERVE, [config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` } });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
    const gateway = new GatewayProcess(child, () => output, inspectorPort);
    await waitFor('the gateway to listen', async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited: ${gateway.logTail()}`);
      const answer = await fetch(`http://127.0.0.1:${settings['http.port']}/web-sdk/server-info.json`).catch(() => undefined);
      return answer?.status === 200;
    }, 20_000, 200);
    return gateway;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the gateway wrote. */
  logTail(lines = 40): string {
    return this.output().trim().split('\n').slice(-lines).join('\n');
  }

  /**
   * Memory and descriptors now, after two full garbage collections (through the gateway's
   * inspector: V8 collects lazily, and tens of MB of dead buffers may wait for it).
   */
  async settledFootprint(): Promise<ProcessFootprint> {
    const [target] = (await (await fetch(`http://127.0.0.1:${this.inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const ws = new WebSocket(target!.webSocketDebuggerUrl);
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      let nextId = 1;
      type Answer = { id?: number; result?: { result?: { value?: unknown } } };
      const call = (method: string, params: object = {}): Promise<Answer> => {
        const id = nextId++;
        return new Promise((resolve) => {
          const onMessage = (data: WebSocket.RawData): void => {
            const answer = JSON.parse(String(data)) as Answer;
            if (answer.id !== id) return;
            ws.off('message', onMessage);
            resolve(answer);
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ id, method, params }));
        });
      };
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const answer = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      const usage = JSON.parse(String(answer.result?.result?.value)) as { heapUsed: number; external: number };
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
      return { rssBytes: rssKb * 1024, fds: readdirSync(`/proc/${this.child.pid}/fd`).length, liveJsBytes: usage.heapUsed + usage.external };
    } finally {
      ws.close();
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
