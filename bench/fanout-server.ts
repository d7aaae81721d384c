/**
 * The fan-out phase's server (`node dist/bench/fanout-server.js '<FanoutServerConfig JSON>'`): the
 * real Gateway, started from a settings file as `main.ts` starts it, with one clip published
 * straight into its hub (HubSource). No WebRTC receive path and no transcoder run, so the process's
 * CPU changes with the number of pushes alone. Logs to stdout (the harness sends it to a file);
 * stops on SIGTERM or SIGINT.
 */
import { loadSettings } from '../server/config/settings';
import { Gateway } from '../server/gateway';
import { createLogger, logWritten } from '../server/log';
import { HubSource } from './hub-source';

/** What the fan-out server runs. */
export interface FanoutServerConfig {
  /** The gateway's settings file (flashphoner.properties format). */
  readonly configFile: string;
  /** Name the clip is published as. */
  readonly streamName: string;
  /** H.264 Annex B of the clip. */
  readonly h264Path: string;
  /** AAC (ADTS) of the clip. */
  readonly aacPath: string;
  /** Frame rate of the clip's video, frames/s. */
  readonly fps: number;
}

/** Longest wait for the last log lines before exiting, ms. */
const LOG_WRITE_TIMEOUT_MS = 1000;

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as FanoutServerConfig;
  const { settings } = loadSettings(config.configFile);
  const logger = createLogger(settings.logLevel);
  const source = await HubSource.load(config, config.fps);
  const gateway = await Gateway.start(settings, logger);
  // Nothing is awaited between the REST API listening and this publish, so no request (the
  // harness's readiness probe, a push/startup) is served before the stream exists.
  source.start(gateway.paths, config.streamName);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    source.stop();
    void gateway.close().then(() => logWritten(logger, LOG_WRITE_TIMEOUT_MS)).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`fanout-server: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
