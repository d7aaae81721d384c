/** Stable codes of ConfigError, for callers that branch on the kind of failure. */
export type ConfigErrorCode =
  /** The settings file does not exist. */
  | 'CONFIG_FILE_NOT_FOUND'
  /** The settings file exists but cannot be read (permissions, a directory, not UTF-8). */
  | 'CONFIG_FILE_UNREADABLE'
  /** A line is neither a comment, blank, nor `key=value` / `key:value`. */
  | 'CONFIG_SYNTAX'
  /** A value does not fit its setting's type, or contradicts another setting. */
  | 'CONFIG_INVALID_VALUE'
  /** A key that is not a setting but so close to one that it is taken for a typo of it. */
  | 'CONFIG_UNKNOWN_SETTING'
  /** Something outside the settings file that the gateway needs is missing or unusable (the codec workers' node-av). */
  | 'CONFIG_MISSING_PART';

/** Options of a ConfigError: the cause, and the setting at fault when the message is about one. */
export interface ConfigErrorOptions extends ErrorOptions {
  /** The key whose value failed (a port in use, a missing file), so the start-up line can say where it was set. */
  readonly setting?: string;
}

/** A settings file that the gateway refuses to start with; the message names the file and, when known, the line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** See ConfigErrorOptions.setting. */
  readonly setting: string | undefined;

  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    options?: ConfigErrorOptions,
  ) {
    super(message, options);
    this.setting = options?.setting;
  }
}
