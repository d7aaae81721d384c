/** How log lines are written (log_format): auto is pretty on a terminal and JSON otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface PrettyOptions {
  /** ANSI colours: only for a terminal. */
  readonly colour: boolean;
}

const LEVELS: Readonly<Record<number, { readonly name: string; readonly colour: string }>> = {
  10: { name: 'TRACE', colour: '\x1b[90m' },
  20: { name: 'DEBUG', colour: '\x1b[36m' },
  30: { name: 'INFO', colour: '\x1b[32m' },
  40: { name: 'WARN', colour: '\x1b[33m' },
  50: { name: 'ERROR', colour: '\x1b[31m' },
  60: { name: 'FATAL', colour: '\x1b[1;31m' },
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** Fields the line shows in its own way, or that are the same on every line (pid, hostname, service). */
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);
/** A string shown as it is: printable ASCII without blanks, quotes, backslashes or `=`. */
const BARE = /^[\x21\x23-\x3c\x3e-\x5b\x5d-\x7e]+$/;
// Characters a terminal would act on (C0 and C1 controls, DEL) or that reorder the text around them
// (bidirectional controls, line separators): a stream name or a URL path must not rewrite the screen.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One pino JSON line as a person reads it: `HH:MM:SS.mmm LEVEL message key=value …` (local time),
 * the context fields (streamName, mediaSessionId, ids) kept, an error's stack on the indented lines
 * after it. It shows exactly the fields of the JSON line, so what is masked there stays masked.
 * A line that is not JSON is passed on as it is.
 */
export function prettyLine(json: string, options: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  if (entry === null || typeof entry !== 'object') return json;
  const level = LEVELS[Number(entry.level)] ?? { name: String(entry.level).toUpperCase(), colour: '' };
  const paint = (colour: string, text: string): string => (options.colour && colour !== '' ? `${colour}${text}${RESET}` : text);
  const parts = [clockTime(entry.time), paint(level.colour, level.name.padEnd(5)), escapeText(typeof entry.msg === 'string' ? entry.msg : '')];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (OWN_FIELDS.has(key) || value === undefined) continue;
    if (isSerializedError(value)) {
      const { type, message, stack, ...more } = value;
      parts.push(`${paint(DIM, `${key}=`)}${formatValue(typeof type === 'string' && type !== 'Error' ? `${type}: ${message}` : message)}`);
      for (const [name, extra] of Object.entries(more)) parts.push(`${paint(DIM, `${key}.${name}=`)}${formatValue(extra)}`);
      // The stack's first line repeats the message.
      stacks.push(...stack.split('\n').slice(1).map((line) => `    ${escapeText(line.trim())}`));
      continue;
    }
    parts.push(`${paint(DIM, `${key}=`)}${formatValue(value)}`);
  }
  return [parts.filter((part) => part !== '').join(' '), ...stacks].join('\n') + '\n';
}

/** `HH:MM:SS.mmm` of pino's ISO time (or epoch ms), on the local clock. */
function clockTime(time: unknown): string {
  const date = new Date(typeof time === 'string' || typeof time === 'number' ? time : NaN);
  if (Number.isNaN(date.getTime())) return '--:--:--.---';
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return BARE.test(value) ? value : escapeText(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return escapeText(JSON.stringify(value) ?? String(value));
}

function escapeText(text: string): string {
  return text.replace(UNSAFE, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An error as pino's serializer writes it: `{ type, message, stack, ...its own properties }`. */
function isSerializedError(value: unknown): value is { type?: unknown; message: string; stack: string } {
  const candidate = value as { message?: unknown; stack?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.message === 'string' && typeof candidate.stack === 'string';
}
