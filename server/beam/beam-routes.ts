import { Router, type NextFunction, type Request, type Response } from 'express';
import type { ErrorBody } from '../rest/http-app';
import type { PathDirectory } from '../paths/path-directory';
import type { RecordLinks } from '../records/record-links';
import type { BeamManager } from './beam-manager';
import { BeamError, parseBeamRequest } from './beam-request';
import { beamViews } from './beam-view';

/**
 * 100ms's beam API: POST /api/v2/beam `{operation: "start" | "stop", room_id, …}` and, beside it,
 * GET /api/v2/beam for the beams with their state, pushes and recording. Refusals answer
 * `{code, message}` with 100ms's codes and exact messages.
 */
export function beamRoutes(beams: BeamManager, directory: PathDirectory, links: RecordLinks): Router {
  const router = Router();

  router.post('/', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const request = parseBeamRequest(req.body);
      const beam = request.operation === 'start' ? await beams.start(request) : await beams.stop(request.roomId);
      const [view] = await beamViews([beam], directory, links);
      res.json(view);
    } catch (err) {
      if (!(err instanceof BeamError)) return next(err);
      res.status(err.status).json({ code: err.code, message: err.message });
    }
  });

  router.get('/', async (_req: Request, res: Response) => {
    res.json(await beamViews(beams.list(), directory, links));
  });

  return router;
}

/** Errors of the layers before the routes (access, JSON): 100ms's shape, code 2 for a server error. */
export const beamErrorBody: ErrorBody = (status, _code, message) => ({ code: status >= 500 ? 2 : 0, message });
