import pino from 'pino';

/** The gateway's structured logger: one JSON line per event. */
export type Logger = pino.Logger;

/** Log levels accepted by `log_level`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Creates the root logger writing JSON lines to `destination` (stdout by default).
 * Children carry context fields: `logger.child({ streamName, mediaSessionId })`.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
