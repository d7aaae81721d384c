import { BodyTooLargeError, readBoundedBody } from '../hooks/bounded-body';

/** Longest answer read from a webhook, bytes: enough for any decision, too little to fill memory. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What a webhook answered. */
export interface WebhookAnswer {
  readonly status: number;
  /** The parsed JSON body; undefined when there was none or it was not JSON (or too long). */
  readonly json: unknown;
}

/**
 * POSTs `body` as JSON to a webhook the way every outgoing call of the gateway should be made:
 * no redirects followed (a 3xx is an answer, not a new target: the outbound policy checked this
 * URL, not another), bounded by `signal`, and at most 64 KiB of answer read.
 */
export async function postJson(url: string, body: unknown, signal: AbortSignal): Promise<WebhookAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    redirect: 'manual',
    signal,
  });
  let json: unknown;
  try {
    const text = await readBoundedBody(response, MAX_ANSWER_BYTES);
    json = text === '' ? undefined : JSON.parse(text);
  } catch (err) {
    if (err instanceof BodyTooLargeError || err instanceof SyntaxError) json = undefined;
    else throw err;
  }
  return { status: response.status, json };
}
