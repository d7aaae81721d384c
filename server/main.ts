import { ConfigError } from './config/errors';
import { loadSettings } from './config/settings';
import { Gateway } from './gateway';
import { createLogger } from './log';

const DEFAULT_CONFIG = 'config/flashphoner.properties';

/** Entry point: `node dist/server/main.js [--config <file>]`. */
async function main(): Promise<void> {
  const configPath = readConfigArgument(process.argv.slice(2));
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
  const logger = createLogger(loaded.settings.logLevel);
  for (const warning of loaded.warnings) logger.warn({ configFile: configPath }, warning);

  let gateway: Gateway;
  try {
    gateway = await Gateway.start(loaded.settings, logger);
  } catch (err) {
    logger.fatal({ err }, `gateway could not start: ${(err as Error).message}`);
    logger.flush();
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: closing every RTMP session cleanly');
    gateway.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function readConfigArgument(args: string[]): string {
  const index = args.indexOf('--config');
  if (index === -1) return DEFAULT_CONFIG;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) {
    process.stderr.write('gateway: --config needs a file path\n');
    process.exit(2);
  }
  return value;
}

void main();
