import { Router, type Request, type Response } from 'express';
import { GatewayError } from '../errors';
import type { PathDirectory } from '../paths/path-directory';
import { streamFindRequestSchema } from './stream-schemas';
import { matchesFind, streamViews, type StreamFindBody, type StreamView } from './stream-view';
import { bodyValidator } from './validation';

const validateFind = bodyValidator<StreamFindBody>(streamFindRequestSchema);

/**
 * `/stream/find` and `/stream/find_all` with Web Call Server's shapes: arrays of the published
 * streams (WebRTC and RTMP publishers), 404 "Stream not found" when none matches. WebRTC
 * publishers carry their receive quality.
 */
export function streamRoutes(directory: Pick<PathDirectory, 'listPaths'>): Router {
  const router = Router();

  router.post('/find', async (req: Request, res: Response) => {
    const body = validateFind(req.body);
    res.json(nonEmpty(streamViews(await directory.listPaths()).filter((view) => matchesFind(view, body))));
  });

  // As for /push/find_all, the official SDK may send it as a GET without a body.
  router.all('/find_all', async (_req: Request, res: Response) => {
    res.json(nonEmpty(streamViews(await directory.listPaths())));
  });

  return router;
}

/** WCS answers 404 rather than an empty array. */
function nonEmpty(views: StreamView[]): StreamView[] {
  if (views.length === 0) throw new GatewayError('STREAM_NOT_FOUND', 'Stream not found');
  return views;
}
