import { Router } from 'express';
import type { ClientIceServers } from './client-ice-servers';

/**
 * `GET /ice-servers`: `{iceServers, iceTransportPolicy}`, the official SDK's `mediaOptions` as they
 * are. Open to anyone, from any origin (a publishing page is usually served from elsewhere), like
 * the signalling that hands out the same configuration; never cached, as TURN credentials expire.
 */
export function iceServersRoute(iceServers: ClientIceServers): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.set({ 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' }).json(iceServers.forClient());
  });
  return router;
}
