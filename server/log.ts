import pino from 'pino';
import { prettyLine, type LogFormat } from './log-format';

export type { LogFormat } from './log-format';

/** The gateway's structured logger: one line per event, JSON or (for a person at a terminal) pretty. */
export type Logger = pino.Logger;

/** Log levels accepted by `log_level`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Creates the root logger writing to `destination` (stdout by default): JSON lines, or with `format`
 * pretty (auto: when the destination is a terminal) the same lines as a person reads them, coloured
 * on a terminal only (and unless NO_COLOR is set). Children carry context fields:
 * `logger.child({ streamName, mediaSessionId })`.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, format: LogFormat = 'auto'): Logger {
  const options: pino.LoggerOptions = { level, base: { service: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime };
  const terminal = ((destination ?? process.stdout) as { isTTY?: boolean }).isTTY === true;
  if (format === 'json' || (format === 'auto' && !terminal)) return pino(options, destination);
  const colour = terminal && !process.env.NO_COLOR;
  // The JSON line is made as always and turned into text just before pino writes it to its own
  // destination (sonic-boom on stdout): synchronous, no transport thread, and logWritten() unchanged.
  return pino({ ...options, hooks: { streamWrite: (line) => prettyLine(line, { colour }) } }, destination);
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
