import type { ServerProcess } from './server-process';

/** A server the bench loads: it speaks WCS signalling and the WCS `/rest-api/push/*` calls. */
export interface SystemUnderTest {
  readonly server: ServerProcess;
  /** ws:// URL of its WCS signalling. */
  readonly wsUrl: string;
  /** http:// base URL of its REST API. */
  readonly httpUrl: string;
}

/** Thrown when a REST call to the system under test fails. */
export class PushApiError extends Error {
  readonly code = 'PUSH_API';
}

/** `POST /rest-api/push/startup`: republishes `streamName` to `rtmpUrl`; resolves with the push's mediaSessionId. */
export async function startPush(system: SystemUnderTest, streamName: string, rtmpUrl: string): Promise<string> {
  const response = await fetch(`${system.httpUrl}/rest-api/push/startup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streamName, rtmpUrl }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json().catch(() => ({}))) as { mediaSessionId?: unknown; message?: unknown };
  if (!response.ok || typeof body.mediaSessionId !== 'string') {
    throw new PushApiError(`${system.server.label}: push/startup ${streamName} → ${response.status} ${JSON.stringify(body)}`);
  }
  return body.mediaSessionId;
}

/** `POST /rest-api/push/terminate`: stops the push `mediaSessionId`. */
export async function stopPush(system: SystemUnderTest, mediaSessionId: string): Promise<void> {
  const response = await fetch(`${system.httpUrl}/rest-api/push/terminate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mediaSessionId }),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new PushApiError(`${system.server.label}: push/terminate ${mediaSessionId} → ${response.status}`);
}

/** `POST /rest-api/recorder/<method>` with `body`: the answer's JSON; throws PushApiError unless 200. */
export async function recorderCall(system: SystemUnderTest, method: 'startup' | 'terminate' | 'find', body: object): Promise<unknown> {
  const response = await fetch(`${system.httpUrl}/rest-api/recorder/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new PushApiError(`${system.server.label}: recorder/${method} ${JSON.stringify(body)} → ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** `POST /api/rtmp-servers/create`: an RTMP listener of the gateway on `port` of its listen address (the publishers' ingest). */
export async function createRtmpServer(system: SystemUnderTest, name: string, port: number): Promise<void> {
  const response = await fetch(`${system.httpUrl}/api/rtmp-servers/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ server_name: name, server_port: port }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (!response.ok) throw new PushApiError(`${system.server.label}: rtmp-servers/create → ${response.status} ${body}`);
}
