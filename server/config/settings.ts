import { readFileSync } from 'node:fs';
import { SETTING_CONSTRAINTS } from './constraints';
import { SETTING_DEFINITIONS, type SettingDefinition, type Settings } from './definitions';
import { ConfigError } from './errors';
import { parseProperties, type PropertyEntry } from './properties';
import { mistypedSetting } from './setting-suggestion';

export type { SettingKey, Settings } from './definitions';

/** The outcome of reading a settings file that the gateway can start with. */
export interface LoadedSettings {
  readonly settings: Settings;
  /** `<file>:<line>: ...` for unknown keys and keys given twice; worth logging, not fatal. */
  readonly warnings: readonly string[];
  /** The file as messages name it. */
  readonly fileName: string;
  /** The line where each setting given in the file is set (the last time, when given twice). */
  readonly lines: ReadonlyMap<string, number>;
}

const DEFINITIONS_BY_KEY: ReadonlyMap<string, SettingDefinition> = new Map(
  SETTING_DEFINITIONS.map((definition) => [definition.key, definition]),
);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a flashphoner.properties file (UTF-8; synchronous, meant for start-up).
 * Keys absent from the file take their defaults; relative paths (media_dir, the *_file settings,
 * rtmp_servers_db) are resolved against the process working directory.
 * Throws ConfigError: CONFIG_FILE_NOT_FOUND, CONFIG_FILE_UNREADABLE, CONFIG_SYNTAX, CONFIG_INVALID_VALUE,
 * or CONFIG_UNKNOWN_SETTING for a key so close to a setting's that it must be a typo of it.
 */
export function loadSettings(filePath: string): LoadedSettings {
  let bytes: Buffer;
  try {
    bytes = readFileSync(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('CONFIG_FILE_NOT_FOUND', `${filePath}: settings file not found`, { cause: err });
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `${filePath}: cannot read settings file (${code ?? String(err)})`, { cause: err });
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (err) {
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `${filePath}: settings file is not valid UTF-8`, { cause: err });
  }
  return parseSettings(text, filePath);
}

/** Parses the text of a settings file; `fileName` only names it in messages. Same rules and errors as loadSettings. */
export function parseSettings(text: string, fileName: string): LoadedSettings {
  const parsed = parseProperties(text, fileName);
  const warnings = [...parsed.warnings];
  const entries = new Map<string, PropertyEntry>();
  for (const entry of parsed.entries) {
    if (DEFINITIONS_BY_KEY.has(entry.key)) {
      entries.set(entry.key, entry);
      continue;
    }
    // A typo would leave the setting at its default without a word: refused. Any other unknown key
    // (WCS's files carry hundreds the gateway has no use for) is only warned about.
    const meant = mistypedSetting(entry.key, DEFINITIONS_BY_KEY.keys());
    if (meant !== undefined) throw new ConfigError('CONFIG_UNKNOWN_SETTING', `${fileName}:${entry.line}: unknown setting '${entry.key}' (did you mean '${meant}'?)`, { setting: entry.key });
    warnings.push(`${fileName}:${entry.line}: unknown setting '${entry.key}' (ignored)`);
  }

  const values: Record<string, unknown> = {};
  for (const definition of SETTING_DEFINITIONS) {
    const entry = entries.get(definition.key);
    const valueText = entry?.value ?? definition.default;
    const parsedValue = definition.type.parse(valueText);
    if (!parsedValue.ok) throw invalidValue(fileName, entry?.line, definition.key, parsedValue.problem, quoted(definition, valueText));
    values[definition.field] = parsedValue.value;
  }
  // Sound because the loop above sets exactly one field per row, parsed by that row's type.
  const settings = Object.freeze(values) as Settings;

  for (const constraint of SETTING_CONSTRAINTS) {
    const problem = constraint.violation(settings);
    if (problem === undefined) continue;
    const blamed = setLast(constraint.keys, entries);
    const key = blamed?.key ?? constraint.keys[0];
    const definition = DEFINITIONS_BY_KEY.get(key);
    throw invalidValue(fileName, blamed?.line, key, problem, quoted(definition, blamed?.value ?? definition?.default ?? ''));
  }

  const lines = new Map([...entries.values()].map((entry) => [entry.key, entry.line]));
  return { settings, warnings, fileName, lines };
}

/** Where `key` is set: `<file>:<line>`, or `<file>` while it has its default. */
export function whereSet(loaded: Pick<LoadedSettings, 'fileName' | 'lines'>, key: string): string {
  const line = loaded.lines.get(key);
  return line === undefined ? loaded.fileName : `${loaded.fileName}:${line}`;
}

function invalidValue(fileName: string, line: number | undefined, key: string, problem: string, text: string): ConfigError {
  // Without a line the value is the table's default: only a broken table gets here.
  const where = line === undefined ? fileName : `${fileName}:${line}`;
  return new ConfigError('CONFIG_INVALID_VALUE', `${where}: ${key}: ${problem} (got '${text}')`);
}

/** The value as an error message may show it: a secret's is masked. */
function quoted(definition: SettingDefinition | undefined, text: string): string {
  return definition?.secret === true && text !== '' ? '***' : text;
}

/** The entry among `keys` that appears last in the file: most likely the one just edited. */
function setLast(keys: readonly string[], entries: ReadonlyMap<string, PropertyEntry>): PropertyEntry | undefined {
  let last: PropertyEntry | undefined;
  for (const key of keys) {
    const entry = entries.get(key);
    if (entry !== undefined && (last === undefined || entry.line > last.line)) last = entry;
  }
  return last;
}
