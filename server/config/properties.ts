import { ConfigError } from './errors';

/** One `key=value` entry of a properties file. */
export interface PropertyEntry {
  readonly key: string;
  /** Text after the separator with surrounding whitespace removed; may be empty. */
  readonly value: string;
  /** 1-based line where the entry starts (the first line of a continued value). */
  readonly line: number;
}

/** What a properties file says, one entry per key. */
export interface ParsedProperties {
  /** One entry per key: the last occurrence wins; in file order of the winning occurrences. */
  readonly entries: readonly PropertyEntry[];
  /** `<source>:<line>: ...` for each key given more than once. */
  readonly warnings: readonly string[];
}

const SEPARATOR = /[=:]/;

/**
 * Parses Java-properties-like text as Web Call Server's flashphoner.properties uses it:
 * `key=value`, `key = value` or `key:value` (the first `=` or `:` separates), `#` and `!` comment
 * lines, blank lines, surrounding whitespace trimmed, empty values allowed, and a trailing
 * backslash continuing the value on the next line (whose indentation is dropped).
 *
 * Unlike java.util.Properties, a separator is required (`key value` is an error) and backslashes
 * other than a trailing one are literal (no `\n` or `\uXXXX` escapes), so Windows paths work as written.
 * Throws ConfigError `CONFIG_SYNTAX` naming `source` and the line.
 */
export function parseProperties(text: string, source: string): ParsedProperties {
  const lines = text.split(/\r\n|\r|\n/);
  const byKey = new Map<string, PropertyEntry>();
  const warnings: string[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    // trim() also removes a byte order mark at the start of the file.
    let logical = lines[i].trim();
    // A comment is never continued, even when it ends with a backslash (as in Java).
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1);
      if (i + 1 === lines.length) break;
      i++;
      logical += lines[i].trim();
    }

    const separatorAt = logical.search(SEPARATOR);
    if (separatorAt < 0) {
      throw new ConfigError('CONFIG_SYNTAX', `${source}:${line}: expected key=value or key:value (got '${logical}')`);
    }
    const key = logical.slice(0, separatorAt).trimEnd();
    if (key === '') {
      throw new ConfigError('CONFIG_SYNTAX', `${source}:${line}: missing key before '${logical[separatorAt]}' (got '${logical}')`);
    }

    const previous = byKey.get(key);
    if (previous !== undefined) {
      warnings.push(`${source}:${line}: '${key}' is set again, overriding line ${previous.line}`);
      // Re-inserting moves the key to the end, keeping entries in the order their winners appear.
      byKey.delete(key);
    }
    byKey.set(key, { key, value: logical.slice(separatorAt + 1).trim(), line });
  }

  return { entries: [...byKey.values()], warnings };
}
