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
  const text = await readBounded(response);
  let json: unknown;
  try {
    json = text === undefined || text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

/** The body as text, or undefined when longer than MAX_ANSWER_BYTES (the rest is not read). */
async function readBounded(response: Response): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
