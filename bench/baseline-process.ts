import path from 'node:path';
import type { BaselineConfig } from './baseline';
import { freePort } from './free-port';
import { ServerProcess } from './server-process';
import type { SystemUnderTest } from './system-under-test';

const START_TIMEOUT_MS = 15_000;

/** How to run the baseline for a bench phase. */
export interface BaselineProcessOptions {
  /** Directory for its log and SDP files. */
  readonly workDir: string;
  /** First UDP port handed to its ffmpegs (four per push). */
  readonly rtpBasePort: number;
  readonly ffmpegPath: string;
  /** Names the server and its log (default baseline). */
  readonly label?: string;
}

/**
 * Starts the baseline (see baseline.ts) as its own process, so its CPU and RSS, ffmpegs included,
 * are read exactly like the gateway's. AAC is encoded at the gateway's default bitrate.
 */
export async function startBaseline(options: BaselineProcessOptions): Promise<SystemUnderTest> {
  const httpPort = await freePort();
  const config: BaselineConfig = {
    httpPort,
    rtpBasePort: options.rtpBasePort,
    workDir: options.workDir,
    ffmpegPath: options.ffmpegPath,
    aacBitrateBps: 128_000,
  };
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const server = await ServerProcess.start({
    label: options.label ?? 'baseline',
    script: path.join(__dirname, 'baseline.js'),
    args: [JSON.stringify(config)],
    cwd: options.workDir,
    logFile: path.join(options.workDir, `${options.label ?? 'baseline'}.log`),
    readyUrl: `${httpUrl}/`,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { server, wsUrl: `ws://127.0.0.1:${httpPort}`, httpUrl };
}
