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

/**
 * Resolves once every line logged so far is written, or after `timeoutMs`. pino's default destination
 * (sonic-boom) writes asynchronously, and neither logger.flush() nor the synchronous write of a fatal
 * line waits for the write in flight: process.exit() and fatal() would otherwise jump ahead of it.
 */
export function logWritten(logger: Logger, timeoutMs: number): Promise<void> {
  const stream = (logger as unknown as Record<symbol, NodeJS.WritableStream>)[pino.symbols.streamSym]!;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off('drain', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    // Queued behind every pending line, an empty write makes sonic-boom emit 'drain' once they are all out.
    stream.on('drain', done);
    stream.write('');
  });
}
