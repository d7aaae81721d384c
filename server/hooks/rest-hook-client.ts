import type { Logger } from '../log';
import { readBoundedBody } from './bounded-body';

/** The REST hooks the gateway may call, spelled as Web Call Server names them (the last part of the URL). */
export type RestHookMethod = 'connect' | 'publishStream' | 'playStream';

/** What a hook that could not be asked decides: `allow` (WCS's restOnError=LOG) or `refuse` (FAIL). */
export type RestHookOnError = 'allow' | 'refuse';

/** Where and how the hooks are called. */
export interface RestHookOptions {
  /** Each hook is a POST to `<baseUrl>/<method>`, e.g. `http://backend/apps/EchoApp/connect`; `user:password@` becomes HTTP Basic auth. */
  baseUrl: string;
  /** Longest a hook may take, answer included, ms. */
  timeoutMs: number;
  onError: RestHookOnError;
}

/** The backend's decision on one hook call. */
export type RestHookVerdict =
  /** 2xx: go ahead; `fields` is the JSON object the backend answered ({} for an empty or non-object body). */
  | { readonly allowed: true; readonly fields: Readonly<Record<string, unknown>> }
  /** `forbidden`: the backend answered 403; `unavailable`: it could not be asked and the setting says refuse. */
  | { readonly allowed: false; readonly cause: 'forbidden' | 'unavailable' };

/** Largest hook answer read, bytes; a larger one counts as a failed call. */
export const MAX_HOOK_ANSWER_BYTES = 64 * 1024;

/**
 * Calls the customer's backend the way Web Call Server calls its REST hooks: a POST with a JSON body
 * of WCS's field names to `<baseUrl>/<method>`. 2xx allows (the answer's fields may override the
 * request's), 403 refuses, anything else (another status, a redirect, which is never followed, no
 * answer within the timeout, an answer over 64 KiB) is a failure decided by `onError`. Never rejects.
 */
export class RestHookClient {
  readonly #options: RestHookOptions;
  /** The base URL without credentials, which fetch refuses in a URL (and which must stay out of the logs). */
  readonly #baseUrl: string;
  readonly #headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  readonly #log: Logger;
  /** Abandons the calls in flight at close(). */
  readonly #closing = new AbortController();

  constructor(options: RestHookOptions, logger: Logger) {
    this.#options = options;
    const base = new URL(options.baseUrl);
    if (base.username !== '' || base.password !== '') {
      const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
      this.#headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      base.username = '';
      base.password = '';
    }
    this.#baseUrl = base.href.replace(/\/+$/, '');
    this.#log = logger.child({ component: 'rest-hooks' });
  }

  /** Calls `method` with `body` (a flat object of bounded fields); `logger` carries the caller's context. */
  async call(method: RestHookMethod, body: Readonly<Record<string, unknown>>, logger: Logger = this.#log): Promise<RestHookVerdict> {
    const url = `${this.#baseUrl}/${method}`;
    const log = logger.child({ hook: method, url });
    const started = performance.now();
    let status: number;
    let answer: unknown;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: this.#headers,
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#options.timeoutMs)]),
      });
      status = response.status;
      const text = await readBoundedBody(response, MAX_HOOK_ANSWER_BYTES);
      answer = parseJson(text);
    } catch (err) {
      return this.#failed(log, (err as Error).message, started);
    }
    const ms = Math.round(performance.now() - started);
    if (status === 403) {
      log.info({ status, ms }, 'REST hook refused');
      return { allowed: false, cause: 'forbidden' };
    }
    if (status < 200 || status > 299) return this.#failed(log, `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`, started);
    log.debug({ status, ms }, 'REST hook allowed');
    const fields = typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? (answer as Record<string, unknown>) : {};
    return { allowed: true, fields };
  }

  /** Abandons every call in flight (each then decides by `onError`, quietly). */
  close(): void {
    this.#closing.abort();
  }

  #failed(log: Logger, reason: string, started: number): RestHookVerdict {
    if (!this.#closing.signal.aborted) {
      log.warn({ reason, ms: Math.round(performance.now() - started), onError: this.#options.onError }, 'REST hook failed');
    }
    return this.#options.onError === 'allow' ? { allowed: true, fields: {} } : { allowed: false, cause: 'unavailable' };
  }
}

/** The answer as JSON, or undefined when it is empty or not JSON (WCS backends may answer 200 with no body). */
function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
