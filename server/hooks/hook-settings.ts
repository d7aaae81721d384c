import type { Settings } from '../config/settings';
import type { RestHookOptions } from './rest-hook-client';

/** The REST hooks as the settings configure them; undefined when rest_hook_base_url is empty (hooks off). */
export function restHookOptions(settings: Settings): RestHookOptions | undefined {
  if (settings.restHookBaseUrl === undefined) return undefined;
  return { baseUrl: settings.restHookBaseUrl, timeoutMs: settings.restHookTimeoutMs, onError: settings.restHookOnError };
}
