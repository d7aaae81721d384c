import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GATEWAY_NODE_FLAGS } from '../../server/node-flags';
import { getFreePort } from './ports';
import { waitFor } from './wait-for';

const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'server', 'main.js');

/** A gateway running as its own process (built by `npm run build`), on 127.0.0.1 and free ports. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** The gateway's process id (prlimit runs it in place). */
  readonly pid: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Everything the process wrote so far: pino JSON lines. */
  output(): string;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts `dist/server/main.js` with `settings` (flashphoner.properties lines) written to `dir`,
 * under an open-file limit of `maxOpenFiles` (prlimit) and with the gateway's V8 flags, as
 * scripts/serve.sh under a service manager would start it.
 */
export async function startGatewayProcess(dir: string, settings: Record<string, string | number>, maxOpenFiles: number): Promise<GatewayProcess> {
  const [wsPort, httpPort] = [await getFreePort(), await getFreePort()];
  const config = path.join(dir, 'gateway.properties');
  const lines = { listen_address: '127.0.0.1', webrtc_udp_port: 0, webrtc_udp_address: '127.0.0.1', 'ws.port': wsPort, 'http.port': httpPort, rtmp_servers_db: path.join(dir, 'gateway.sqlite'), ...settings };
  await writeFile(config, Object.entries(lines).map(([key, value]) => `${key}=${value}`).join('\n'));
  const child = spawn('prlimit', [`--nofile=${maxOpenFiles}:${maxOpenFiles}`, process.execPath, ...GATEWAY_NODE_FLAGS, MAIN, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started: GatewayProcess = {
    child,
    pid: child.pid!,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
  try {
    await waitFor('the gateway to listen', () => output.includes('REST API and demo page listening') || child.exitCode !== null, 15_000);
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}:\n${output}`);
  } catch (err) {
    await started.stop();
    throw err;
  }
  return started;
}

/** The value of `gateway_limit_reached_total{limit="<limit>"}` at `httpUrl`/metrics (0 when absent). */
export async function limitReached(httpUrl: string, limit: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`gateway_limit_reached_total{limit="${limit}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
