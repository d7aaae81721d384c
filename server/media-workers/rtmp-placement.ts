import type { RtmpListenerContext } from '../rtmp-servers/rtmp-server-manager';
import type { AccessDecision, StreamRequest } from '../rtmp/server/access-policy';
import type { ServerSessionOptions } from '../rtmp/server/server-session';
import type { MediaWorkerPool } from './media-worker-pool';
import { MAIN_NODE } from './placement';

type PlaceStream = NonNullable<ServerSessionOptions['placeStream']>;

/**
 * Where an RTMP listener's publishes and plays run: a publish goes to the node of its stream name,
 * placing a new name on the least loaded node; a play goes where the stream is. A connection for a
 * worker's stream is handed over whole, and its later publishes and plays must stay on that worker.
 */
export function rtmpStreamPlacement(pool: MediaWorkerPool): (listener: RtmpListenerContext) => PlaceStream {
  return (listener) => (name, action) => {
    const node = action === 'publish' ? pool.placement.place(name) : pool.placement.nodeOf(name) ?? MAIN_NODE;
    if (node === MAIN_NODE) return undefined;
    const worker = pool.worker(node);
    if (!worker) return undefined;
    return (socket, snapshot) => {
      if (action === 'publish') pool.placement.handingOver(name);
      const authorize = async (request: StreamRequest, signal: AbortSignal): Promise<AccessDecision> => {
        const decision = await listener.access.authorizeStream(request, signal);
        if (!decision.allowed) return decision;
        const other = request.action === 'publish' ? pool.placement.place(request.streamKey) : pool.placement.nodeOf(request.streamKey);
        if (other !== undefined && other !== node) return { allowed: false, reason: `${request.streamKey} runs on another media worker than this connection: connect again for it` };
        return decision;
      };
      const remote = worker.handOff(socket, snapshot, { playerMaxQueuedMs: listener.playerMaxQueuedMs, traceMessages: listener.traceMessages, logBindings: listener.logBindings }, authorize);
      if (action === 'publish') void remote.closed.then(() => pool.placement.handOverEnded(name, node));
      return remote;
    };
  };
}
