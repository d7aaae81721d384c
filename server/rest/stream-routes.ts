import { Router, type Request, type Response } from 'express';
import { GatewayError } from '../errors';
import { EndReasons } from '../hub/end-reason';
import type { PathDirectory } from '../paths/path-directory';
import { streamFindAllRequestSchema, streamFindRequestSchema, streamTerminateRequestSchema } from './stream-schemas';
import { matchesFind, streamViews, wantsMetrics, type StreamFilter, type StreamFindBody, type StreamView } from './stream-view';
import { bodyValidator } from './validation';

const validateFind = bodyValidator<StreamFindBody>(streamFindRequestSchema);
const validateFindAll = bodyValidator<StreamFindBody>(streamFindAllRequestSchema);
const validateTerminate = bodyValidator<StreamFilter>(streamTerminateRequestSchema);

/**
 * `/stream/find`, `/stream/find_all` and `/stream/terminate` with Web Call Server's shapes: arrays
 * of the published streams (WebRTC, WHIP and RTMP publishers), 404 "Stream not found" when none
 * matches. WebRTC publishers carry their receive quality; `display: ["metrics"]` adds every
 * stream's metrics. Terminate ends the publishers of the matching streams (all of them for an
 * empty body, as WCS does), each on the media worker that carries it.
 */
export function streamRoutes(directory: Pick<PathDirectory, 'listPaths' | 'terminateStream'>): Router {
  const router = Router();

  router.post('/find', async (req: Request, res: Response) => {
    const body = validateFind(req.body);
    res.json(nonEmpty(streamViews(await directory.listPaths(), { metrics: wantsMetrics(body) }).filter((view) => matchesFind(view, body))));
  });

  // As for /push/find_all, the official SDK may send it as a GET without a body.
  router.all('/find_all', async (req: Request, res: Response) => {
    const body = validateFindAll(req.body);
    res.json(nonEmpty(streamViews(await directory.listPaths(), { metrics: wantsMetrics(body) })));
  });

  router.post('/terminate', async (req: Request, res: Response) => {
    const filter = validateTerminate(req.body);
    const matching = nonEmpty(streamViews(await directory.listPaths()).filter((view) => matchesFind(view, filter)));
    // Each on its own node; one that fails does not keep the others from ending.
    const results = await Promise.allSettled(matching.map((view) => directory.terminateStream(view.name, view.mediaSessionId, EndReasons.restTerminate)));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    // Streams that ended by themselves meanwhile: nothing was found to terminate.
    if (!results.some((result) => result.status === 'fulfilled' && result.value)) throw notFound();
    res.end();
  });

  return router;
}

/** WCS answers 404 rather than an empty array. */
function nonEmpty(views: StreamView[]): StreamView[] {
  if (views.length === 0) throw notFound();
  return views;
}

function notFound(): GatewayError {
  return new GatewayError('STREAM_NOT_FOUND', 'Stream not found');
}
