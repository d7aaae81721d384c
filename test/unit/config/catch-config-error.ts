import { ConfigError } from '../../../server/config/errors';

/** Runs `action` and returns the ConfigError it throws; fails the test if it returns or throws anything else. */
export function catchConfigError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
