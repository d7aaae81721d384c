import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

/** A publish negotiated over Web Call Server signalling. */
export interface WcsPublish {
  readonly mediaSessionId: string;
  readonly answerSdp: string;
  /** Resolves on notifyStreamStatusEvent PUBLISHING; rejects on FAILED or when the socket closes first. */
  readonly publishing: Promise<void>;
  /** Closes the signalling socket (the server then ends the publish). */
  close(): void;
}

/** Thrown when the server refuses or drops a publish. */
export class WcsPublishError extends Error {
  readonly code = 'WCS_PUBLISH_FAILED';
}

interface Envelope {
  message: string;
  data: unknown[];
}

/**
 * Publishes `streamName` with a non-trickle `offerSdp` the way the WCS web SDK does: `connection`,
 * wait for `getUserData`, `publishStream`, then `setRemoteSDP` carries the answer. Rejects after
 * `timeoutMs` without an answer.
 */
export function publishOverWcs(wsUrl: string, streamName: string, offerSdp: string, timeoutMs: number): Promise<WcsPublish> {
  const mediaSessionId = randomUUID();
  const ws = new WebSocket(wsUrl);
  const send = (message: string, ...data: unknown[]): void => ws.send(JSON.stringify({ message, data }));
  let markPublishing: () => void = () => undefined;
  let failPublishing: (error: Error) => void = () => undefined;
  const publishing = new Promise<void>((resolve, reject) => {
    markPublishing = resolve;
    failPublishing = reject;
  });
  publishing.catch(() => undefined); // the caller may never await it

  return new Promise<WcsPublish>((resolve, reject) => {
    const fail = (error: Error): void => {
      clearTimeout(timer);
      failPublishing(error);
      reject(error);
      ws.terminate();
    };
    const timer = setTimeout(() => fail(new WcsPublishError(`no answer for ${streamName} within ${timeoutMs} ms`)), timeoutMs);
    ws.on('open', () => send('connection', { appKey: 'defaultApp', clientVersion: 'bench', mediaProviders: ['WebRTC'] }));
    ws.on('error', (err) => fail(new WcsPublishError(`signalling socket error: ${err.message}`)));
    ws.on('close', () => {
      clearTimeout(timer);
      failPublishing(new WcsPublishError(`signalling closed for ${streamName}`));
      reject(new WcsPublishError(`signalling closed before the answer for ${streamName}`));
    });
    ws.on('message', (raw) => {
      const { message, data } = JSON.parse(raw.toString()) as Envelope;
      if (message === 'getUserData') {
        send('publishStream', {
          mediaSessionId, name: streamName, published: true, hasVideo: true, hasAudio: true, status: 'PENDING', mediaProvider: 'WebRTC', sdp: offerSdp,
        });
      } else if (message === 'setRemoteSDP' && data[0] === mediaSessionId) {
        clearTimeout(timer);
        resolve({ mediaSessionId, answerSdp: String(data[1]), publishing, close: () => ws.close() });
      } else if (message === 'notifyStreamStatusEvent') {
        const event = data[0] as { mediaSessionId?: string; status?: string; info?: string };
        if (event.mediaSessionId !== mediaSessionId) return;
        if (event.status === 'PUBLISHING') markPublishing();
        else if (event.status === 'FAILED') fail(new WcsPublishError(`publish of ${streamName} failed: ${event.info ?? ''}`));
      } else if (message === 'ping') {
        send('pong', null);
      }
    });
  });
}
