/** Stable codes of ConfigError, for callers that branch on the kind of failure. */
export type ConfigErrorCode =
  /** The settings file does not exist. */
  | 'CONFIG_FILE_NOT_FOUND'
  /** The settings file exists but cannot be read (permissions, a directory, not UTF-8). */
  | 'CONFIG_FILE_UNREADABLE'
  /** A line is neither a comment, blank, nor `key=value` / `key:value`. */
  | 'CONFIG_SYNTAX'
  /** A value does not fit its setting's type, or contradicts another setting. */
  | 'CONFIG_INVALID_VALUE';

/** A settings file that the gateway refuses to start with; the message names the file and, when known, the line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
