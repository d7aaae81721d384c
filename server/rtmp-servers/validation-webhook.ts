import { postJson } from '../access/post-json';
import type { AccessDecision } from '../rtmp/server/access-policy';

/** What the gateway POSTs (JSON) to a rule's validation webhook. */
export interface ValidationRequest {
  readonly action: 'publish' | 'play';
  readonly server_id: string;
  readonly server_name: string;
  readonly app: string;
  readonly stream_key: string;
  /** What followed `?` in the stream name ('' when nothing did), e.g. `token=abc`. */
  readonly query: string;
  readonly client_ip: string;
}

/** How long the webhook may take before the request is refused, ms. */
const WEBHOOK_TIMEOUT_MS = 5000;
/** Longest refusal reason taken from a webhook (it reaches the client and the log), characters. */
const MAX_REASON_LENGTH = 200;

/**
 * Asks a validation webhook about one publish or play. It must answer 2xx with the JSON body
 * `{"allow": true}` to approve; `{"allow": false, "reason": "..."}`, any other answer, an error or
 * no answer within WEBHOOK_TIMEOUT_MS refuses (fail closed); redirects are not followed. Never rejects.
 */
export async function askValidationWebhook(url: string, request: ValidationRequest, signal: AbortSignal): Promise<AccessDecision> {
  try {
    const { status, json: answer } = await postJson(url, request, AbortSignal.any([signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]));
    const ok = status >= 200 && status < 300;
    const allow = (answer as { allow?: unknown } | undefined)?.allow;
    if (ok && allow === true) return { allowed: true };
    const reason = (answer as { reason?: unknown } | undefined)?.reason;
    if (ok && allow === false) return { allowed: false, reason: typeof reason === 'string' && reason !== '' ? reason.slice(0, MAX_REASON_LENGTH) : 'refused by the validation webhook' };
    return { allowed: false, reason: `the validation webhook answered ${status} without {"allow": true}` };
  } catch (err) {
    return { allowed: false, reason: `the validation webhook could not be asked: ${(err as Error).message}` };
  }
}
