import { readJsonOrText } from '../../../support/http-body';

/** An answer of the gateway's HTTP API: status and parsed JSON body (or the raw text). */
export interface ApiAnswer {
  readonly status: number;
  // The tests read fields of many shapes; each assertion states the shape it expects.
  readonly body: any;
}

/**
 * Calls `/api/rtmp-servers<route>` with a JSON body: POST by default, DELETE for remove.
 * `token` goes in x-access-token when given.
 */
export async function rtmpServersApi(httpUrl: string, route: string, body: unknown = {}, options: { method?: 'POST' | 'DELETE'; token?: string } = {}): Promise<ApiAnswer> {
  const response = await fetch(`${httpUrl}/api/rtmp-servers${route}`, {
    method: options.method ?? (route.endsWith('/remove') ? 'DELETE' : 'POST'),
    headers: { 'content-type': 'application/json', ...(options.token === undefined ? {} : { 'x-access-token': options.token }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: await readJsonOrText(response) };
}
