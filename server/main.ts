import { parseCliArguments, USAGE } from './cli-arguments';
import { ConfigError } from './config/errors';
import { loadSettings, whereSet, type LoadedSettings } from './config/settings';
import { runStartupChecks } from './config/startup-checks';
import { Gateway } from './gateway';
import { createLogger, logWritten, type Logger } from './log';
import { missingNodeFlags } from './node-flags';
import { VERSION } from './version';

/** Once stopped, the process ends when nothing is left to do; whatever still runs after this is cut off, ms. */
const FORCED_EXIT_AFTER_MS = 5000;
/** Longest wait for the log lines in flight before a fatal line or a forced exit, ms. */
const LOG_WRITE_TIMEOUT_MS = 1000;

/** Entry point: `node dist/server/main.js [--config <file>] | --help | --version`. */
async function main(): Promise<void> {
  const request = parseCliArguments(process.argv.slice(2));
  if (request.kind === 'help') return void process.stdout.write(USAGE);
  if (request.kind === 'version') return void process.stdout.write(`webrtc-rtmp-gateway ${VERSION}\n`);
  if (request.kind === 'error') {
    process.stderr.write(`gateway: ${request.message}\n`);
    process.exit(2);
  }
  const { configPath } = request;
  let loaded;
  try {
    loaded = loadSettings(configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(loaded.settings.logLevel, undefined, loaded.settings.logFormat);
  for (const warning of loaded.warnings) logger.warn({ configFile: configPath }, warning);
  const missingFlags = missingNodeFlags();
  if (missingFlags.length > 0) logger.info({ missingFlags }, 'node was started without the gateway\'s V8 flags (scripts/serve.sh passes them): each stream costs more CPU');

  let gateway: Gateway;
  try {
    const checked = await runStartupChecks(loaded.settings);
    for (const warning of checked.warnings) logger.warn(warning);
    logger.debug({ ffmpegVersion: checked.ffmpegVersion }, 'start-up checks passed: the codec workers load node-av and open Opus to AAC');
    gateway = await Gateway.start(loaded.settings, logger);
  } catch (err) {
    // pino writes a fatal line synchronously, ahead of the lines still being written: let those out first.
    await logWritten(logger, LOG_WRITE_TIMEOUT_MS);
    if (err instanceof ConfigError) {
      // A setting to fix (a file, a port): the sentence says which; a stack trace would only hide it.
      logger.fatal({ code: err.code }, `gateway could not start: ${located(err, loaded)}`);
      exitWhenIdle(logger, 2);
    } else {
      logger.fatal({ err }, `gateway could not start: ${(err as Error).message}`);
      exitWhenIdle(logger, 1);
    }
    return;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: closing every RTMP session cleanly');
    gateway.close().then(
      () => {
        logger.info('stopped');
        exitWhenIdle(logger, 0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        exitWhenIdle(logger, 1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The error's sentence, after the file and line that set the setting at fault when it names one. */
function located(err: ConfigError, loaded: LoadedSettings): string {
  return err.setting === undefined ? err.message : `${whereSet(loaded, err.setting)}: ${err.message}`;
}

/**
 * Exits with `code` once the event loop is empty. Not process.exit() at once: pino writes stdout
 * asynchronously, and at process.exit() it writes what is buffered synchronously while the write in
 * flight completes later, so the last lines came out reordered. Something still running after 5 s
 * is named in the log, and the process leaves without it.
 */
function exitWhenIdle(logger: Logger, code: number): void {
  process.exitCode = code;
  setTimeout(() => {
    logger.warn({ activeResources: process.getActiveResourcesInfo() }, `still running ${FORCED_EXIT_AFTER_MS} ms after stopping: exiting anyway`);
    void logWritten(logger, LOG_WRITE_TIMEOUT_MS).then(() => process.exit(code));
  }, FORCED_EXIT_AFTER_MS).unref();
}

void main();
