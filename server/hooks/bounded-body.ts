/** A response body was larger than the reader allows. */
export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
}

/**
 * Reads a fetch response's body as UTF-8 text, up to `maxBytes`; rejects with BodyTooLargeError
 * (and cancels the rest) beyond that, so a backend cannot make the gateway buffer without end.
 */
export async function readBoundedBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new BodyTooLargeError(`the answer declares ${declared} bytes (at most ${maxBytes})`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Leaving the loop by a throw cancels the rest of the body.
    if (total > maxBytes) throw new BodyTooLargeError(`the answer is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
