import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { getFreePort } from './ports';

/** One `application` block; `live on;` is always included. */
export interface NginxApplication {
  readonly name: string;
  /** Extra directives, e.g. `deny publish all;` or `drop_idle_publisher 10s;`. */
  readonly directives?: readonly string[];
}

/** Options of {@link NginxRtmp.start}. */
export interface NginxRtmpOptions {
  /** Applications to configure; default one application `live`. */
  readonly applications?: readonly NginxApplication[];
  /** How long to wait for both ports to accept connections, ms; default 5000. */
  readonly startTimeoutMs?: number;
}

/** One stream as the `rtmp_stat all` page reports it. */
export interface NginxStreamStats {
  readonly name: string;
  readonly publishing: boolean;
  /** Publisher plus players. */
  readonly clients: number;
  readonly bytesIn: number;
  readonly video?: { readonly codec: string; readonly width: number; readonly height: number };
  readonly audio?: { readonly codec: string };
}

/** One application of the stat page with its live streams. */
export interface NginxApplicationStats {
  readonly name: string;
  readonly streams: readonly NginxStreamStats[];
}

const MODULE_PATH = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const POLL_INTERVAL_MS = 100;
const STOP_TIMEOUT_MS = 5000;

/**
 * A private nginx with the RTMP module on 127.0.0.1, in a temporary prefix directory, with an
 * HTTP `rtmp_stat all` page. Start with {@link NginxRtmp.start}; always {@link NginxRtmp.stop}.
 */
export class NginxRtmp {
  private constructor(
    private process: ChildProcess,
    /** Prefix directory holding nginx.conf and error.log. */
    readonly dir: string,
    readonly rtmpPort: number,
    readonly httpPort: number,
  ) {}

  /** Writes the configuration, spawns nginx (`daemon off`) and waits until it accepts connections. */
  static async start(options: NginxRtmpOptions = {}): Promise<NginxRtmp> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nginx-rtmp-'));
    const [rtmpPort, httpPort] = [await getFreePort(), await getFreePort()];
    await writeFile(path.join(dir, 'nginx.conf'), configuration(dir, rtmpPort, httpPort, options.applications ?? [{ name: 'live' }]));
    const nginx = new NginxRtmp(spawnNginx(dir), dir, rtmpPort, httpPort);
    try {
      await nginx.#waitUntilUp(options.startTimeoutMs ?? 5000);
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  /**
   * Simulates an outage: stops nginx at once (SIGTERM drops every connection), keeps it down for
   * `downMs`, then starts it again with the same configuration and ports.
   */
  async restart(downMs: number): Promise<void> {
    await this.#terminate('SIGTERM');
    await delay(downMs);
    this.process = spawnNginx(this.dir);
    await this.#waitUntilUp(5000);
  }

  async #waitUntilUp(timeoutMs: number): Promise<void> {
    const child = this.process;
    let stderr = '';
    child.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`nginx exited with ${code}: ${stderr}`)));
    });
    exited.catch(() => undefined); // observed below; must not become an unhandled rejection later
    const deadline = Date.now() + timeoutMs;
    await Promise.race([Promise.all([waitForPort(this.rtmpPort, deadline), waitForPort(this.httpPort, deadline)]), exited]);
  }

  async #terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** `rtmp://127.0.0.1:<port>/<app>[/<name>]`. */
  rtmpUrl(app: string, name?: string): string {
    return `rtmp://127.0.0.1:${this.rtmpPort}/${app}${name === undefined ? '' : `/${name}`}`;
  }

  /** The error log so far (useful in failure messages). */
  async errorLog(): Promise<string> {
    return readFile(path.join(this.dir, 'error.log'), 'utf8').catch(() => '');
  }

  /** Fetches and parses the stat page. */
  async stats(): Promise<NginxApplicationStats[]> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}/stat`, { signal: AbortSignal.timeout(2000) });
    return parseStats(await response.text());
  }

  /** Polls the stat page until `app/name` is being published; resolves with its stats, rejects after timeoutMs. */
  async waitForStream(app: string, name: string, timeoutMs: number): Promise<NginxStreamStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stream = (await this.stats()).find((a) => a.name === app)?.streams.find((s) => s.name === name);
      if (stream?.publishing === true) return stream;
      if (Date.now() > deadline) throw new Error(`stream ${app}/${name} not published within ${timeoutMs} ms`);
      await delay(POLL_INTERVAL_MS);
    }
  }

  /** Graceful shutdown (SIGQUIT), SIGKILL after 5 s, then removes the prefix directory. */
  async stop(): Promise<void> {
    await this.#terminate('SIGQUIT');
    await rm(this.dir, { recursive: true, force: true });
  }
}

function spawnNginx(dir: string): ChildProcess {
  return spawn('nginx', ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function configuration(dir: string, rtmpPort: number, httpPort: number, applications: readonly NginxApplication[]): string {
  const apps = applications.map((app) => `    application ${app.name} {\n      live on;\n${(app.directives ?? []).map((d) => `      ${d}\n`).join('')}    }`).join('\n');
  // Running as root, workers would switch to "nobody"; keep them as root so they can use the temp dirs.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `load_module ${MODULE_PATH};
${user}pid ${dir}/nginx.pid;
daemon off;
worker_processes 1;
error_log ${dir}/error.log info;
events { worker_connections 128; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size 4096;
${apps}
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${httpPort};
    location /stat { rtmp_stat all; }
  }
}
`;
}

/** Parses the XML of `rtmp_stat all` (a fixed, flat layout: regular expressions suffice). */
export function parseStats(xml: string): NginxApplicationStats[] {
  return blocks(xml, 'application').map((application) => ({
    name: text(application, 'name') ?? '',
    streams: blocks(application, 'stream').map((stream) => {
      const video = text(stream, 'video');
      const audio = text(stream, 'audio');
      return {
        name: text(stream, 'name') ?? '',
        publishing: stream.includes('<publishing/>'),
        clients: Number(text(stream, 'nclients') ?? 0),
        bytesIn: Number(text(stream, 'bytes_in') ?? 0),
        ...(video === undefined ? {} : { video: { codec: text(video, 'codec') ?? '', width: Number(text(video, 'width')), height: Number(text(video, 'height')) } }),
        ...(audio === undefined ? {} : { audio: { codec: text(audio, 'codec') ?? '' } }),
      };
    }),
  }));
}

function blocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[1]!);
}

function text(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await delay(POLL_INTERVAL_MS);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
