import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/** What the baseline does with a publish: answer the offer, then report when media flows. */
export interface BaselinePublishHandler {
  /** Answers `offerSdp` for `streamName` (non-trickle); `onConnected` is called once ICE and DTLS are up. */
  publish(streamName: string, offerSdp: string, onConnected: () => void): Promise<string>;
  /** The publisher's socket closed. */
  unpublish(streamName: string): void;
}

interface Envelope {
  message: string;
  data: unknown[];
}

/**
 * The slice of Web Call Server signalling the bench publishers use, on `server`'s WebSocket
 * upgrade: `connection` → `getUserData`, `publishStream` → `setRemoteSDP` and, once the peer is
 * connected, `notifyStreamStatusEvent` PUBLISHING. Anything else is ignored.
 */
export function serveBaselineSignalling(server: http.Server, handler: BaselinePublishHandler): WebSocketServer {
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    const published: string[] = [];
    ws.on('message', (raw) => {
      let envelope: Envelope;
      try {
        envelope = JSON.parse(raw.toString()) as Envelope;
      } catch {
        return;
      }
      if (envelope.message === 'connection') send(ws, 'getUserData', { status: 'ESTABLISHED' });
      else if (envelope.message === 'publishStream') onPublish(ws, envelope.data[0], handler, published);
    });
    ws.on('close', () => published.forEach((name) => handler.unpublish(name)));
    ws.on('error', () => undefined);
  });
  return wss;
}

function onPublish(ws: WebSocket, raw: unknown, handler: BaselinePublishHandler, published: string[]): void {
  const request = (typeof raw === 'object' && raw !== null ? raw : {}) as { mediaSessionId?: string; name?: string; sdp?: string };
  const { mediaSessionId = '', name = '', sdp = '' } = request;
  const notify = (status: string, info: string): void => send(ws, 'notifyStreamStatusEvent', { mediaSessionId, name, published: true, status, info });
  published.push(name);
  handler.publish(name, sdp, () => notify('PUBLISHING', '')).then(
    (answer) => send(ws, 'setRemoteSDP', mediaSessionId, answer),
    (err: unknown) => notify('FAILED', (err as Error).message),
  );
}

function send(ws: WebSocket, message: string, ...data: unknown[]): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ message, data }));
}
