import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepairWindowSetting } from '../server/media/rtp/repair-window';
import { CLIP_FPS, type ClipFiles } from './clip';
import type { FanoutServerConfig } from './fanout-server';
import { freePort } from './free-port';
import { ServerProcess } from './server-process';
import type { SystemUnderTest } from './system-under-test';

/** The repository root (the gateway resolves relative settings against its working directory). */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'dist', 'server', 'main.js');
const FANOUT_SERVER = path.join(__dirname, 'fanout-server.js');
const START_TIMEOUT_MS = 15_000;
/** What scripts/serve.sh and the Dockerfile set for the gateway (the node flags come from server/node-flags.ts): the bench measures what they run (test/unit/bench/serve-env.test.ts). */
export const SERVE_SH_ENV = { MALLOC_TRIM_THRESHOLD_: '131072' } as const;

/** How to run the gateway for a bench phase. */
export interface GatewayProcessOptions {
  /** Directory for the config file, the log and the RTMP servers database. */
  readonly workDir: string;
  /** UDP range for ICE, inclusive. */
  readonly mediaPorts: readonly [number, number];
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=<dir>` to profile it. */
  readonly nodeFlags?: readonly string[];
  /** Names its config, log and database files (default after the kind of server): one per phase, so no phase inherits another's pushes. */
  readonly label?: string;
  /** `key=value` settings that replace the bench's own. */
  readonly settings?: readonly string[];
}

/** A gateway behind a 1:1 NAT (the impairment relay): its shared UDP port, the address it announces instead, its repair window. */
export interface GatewayBehindNat {
  /** Names the config and log files and the server in errors. */
  readonly label: string;
  /** Its shared WebRTC port on 127.0.0.1, where the relay forwards to. */
  readonly udpPort: number;
  /** `host:port` the answers announce (`ip=`): the relay's. */
  readonly announced: string;
  readonly repairWindow: RepairWindowSetting;
}

/**
 * Starts the real gateway process (`node dist/server/main.js --config <file>`) on free loopback
 * ports, with pushes named after their source (no `rtmp_` prefix), no publisher grace period, so a
 * bench phase ends as soon as its publishers stop, and no practical per-address WebSocket bound.
 * Its CPU and RSS include its children: the Opus→AAC ffmpeg of each stream is part of its cost.
 */
export function startGateway(options: GatewayProcessOptions): Promise<SystemUnderTest> {
  return launch(options.label ?? 'gateway', options, (configFile) => ({ script: MAIN, args: ['--config', configFile] }));
}

/** Starts the same gateway with `nat`'s settings: its answers send publishers to the relay. */
export function startGatewayBehindNat(options: GatewayProcessOptions & { readonly nat: GatewayBehindNat }): Promise<SystemUnderTest> {
  const { label, udpPort, announced, repairWindow } = options.nat;
  const settings = [`webrtc_udp_port=${udpPort}`, `ip=${announced}`, `webrtc_repair_window=${repairWindow}`];
  return launch(label, { ...options, settings: [...settings, ...(options.settings ?? [])] }, (configFile) => ({ script: MAIN, args: ['--config', configFile] }));
}

/**
 * Starts the same gateway, with the same settings, in bench/fanout-server.ts: the clip's H.264 and
 * AAC are published straight into its hub as `streamName`, before its REST API answers.
 */
export function startFanoutGateway(options: GatewayProcessOptions & { readonly clip: ClipFiles; readonly streamName: string }): Promise<SystemUnderTest> {
  return launch(options.label ?? 'fanout-gateway', options, (configFile) => {
    const config: FanoutServerConfig = { configFile, streamName: options.streamName, h264Path: options.clip.h264Path, aacPath: options.clip.aacPath, fps: CLIP_FPS };
    return { script: FANOUT_SERVER, args: [JSON.stringify(config)] };
  });
}

/**
 * Writes `<label>.properties` in the work dir and runs `command(<that file>)`, logging to
 * `<label>.log`; the options' `settings` (`key=value` lines) replace the bench's own.
 */
async function launch(label: string, options: GatewayProcessOptions, command: (configFile: string) => { script: string; args: string[] }): Promise<SystemUnderTest> {
  const settings = options.settings ?? [];
  const [wsPort, httpPort] = [await freePort(), await freePort()];
  const configFile = path.join(options.workDir, `${label}.properties`);
  const ownSettings = [
    'listen_address=127.0.0.1',
    // The shared WebRTC port (the default mode) on any free port: the bench may run beside a gateway.
    'webrtc_udp_port=0',
    'webrtc_udp_address=127.0.0.1',
    `ws.port=${wsPort}`,
    `http.port=${httpPort}`,
    `media_port_from=${options.mediaPorts[0]}`,
    `media_port_to=${options.mediaPorts[1]}`,
    'rtmp_transponder_stream_name_prefix=',
    'publisher_grace_period=0',
    // Every bench publisher connects from 127.0.0.1: the per-address bound is for real clients.
    'ws_max_connections_per_ip=1000',
    `media_dir=${path.join(REPO_ROOT, 'media')}`,
    `rtmp_servers_db=${path.join(options.workDir, `${label}.sqlite`)}`,
    `record_dir=${path.join(options.workDir, `${label}-records`)}`,
    'log_level=warn',
  ];
  const keyOf = (line: string): string => line.slice(0, line.indexOf('='));
  const replaced = new Set(settings.map(keyOf));
  await writeFile(configFile, [...ownSettings.filter((line) => !replaced.has(keyOf(line))), ...settings, ''].join('\n'));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const server = await ServerProcess.start({
    label,
    ...command(configFile),
    cwd: REPO_ROOT,
    logFile: path.join(options.workDir, `${label}.log`),
    readyUrl: `${httpUrl}/rest-api/openapi.json`,
    startTimeoutMs: START_TIMEOUT_MS,
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    env: SERVE_SH_ENV,
  });
  return { server, wsUrl: `ws://127.0.0.1:${wsPort}`, httpUrl };
}
