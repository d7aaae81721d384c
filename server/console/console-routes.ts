import { Router, type Request, type Response } from 'express';
import { principalOf } from '../access/http-access';
import type { ConsoleFeed } from './console-feed';
import { listSoundFiles } from './sound-files';

/**
 * The console's own endpoints, mounted with the management APIs (behind their access layer):
 * `GET /events` streams snapshots (server-sent events), `GET /sounds` lists the sound files
 * `/push/sound_on` accepts.
 */
export function consoleRoutes(feed: ConsoleFeed, mediaDir: string): Router {
  const router = Router();

  router.get('/events', (req: Request, res: Response) => {
    // A HEAD has no body to stream: answered, not held open.
    if (req.method === 'HEAD') return void res.type('text/event-stream').end();
    // As for /push/find_all: connection errors in full to authenticated callers; secrets never.
    feed.add(res, { secrets: false, errors: principalOf(res).kind !== 'open' });
  });

  router.get('/sounds', async (_req: Request, res: Response) => {
    res.json({ files: await listSoundFiles(mediaDir) });
  });

  return router;
}
