import { Router, type Request, type Response } from 'express';
import type { FindFilter, StartupRequest, TransponderView } from '../transponder/types';
import { GatewayError } from '../errors';
import { findRequestSchema, mediaSessionRequestSchema, soundOnRequestSchema, startupRequestSchema } from './push-schemas';
import { bodyValidator } from './validation';

/** What the push endpoints drive (the transponder manager). */
export interface PushControl {
  startup(request: StartupRequest): Promise<TransponderView>;
  find(filter: FindFilter): TransponderView[];
  findAll(): TransponderView[];
  terminate(mediaSessionId: string): Promise<void>;
  mute(mediaSessionId: string): void;
  unmute(mediaSessionId: string): void;
  soundOn(mediaSessionId: string, soundFile: string, loop: boolean): Promise<void>;
  soundOff(mediaSessionId: string): void;
}

const validateStartup = bodyValidator<StartupRequest>(startupRequestSchema);
const validateFind = bodyValidator<FindFilter>(findRequestSchema);
const validateMediaSession = bodyValidator<{ mediaSessionId: string }>(mediaSessionRequestSchema);
const validateSoundOn = bodyValidator<{ mediaSessionId: string; soundFile: string; loop?: boolean }>(soundOnRequestSchema);

/**
 * `/push/*` with Web Call Server's shapes: startup returns one transponder, find and find_all
 * return arrays (404 when empty), the other calls answer 200 with an empty body.
 */
export function pushRoutes(control: PushControl): Router {
  const router = Router();

  router.post('/startup', async (req: Request, res: Response) => {
    res.json(await control.startup(validateStartup(req.body)));
  });

  router.post('/find', (req: Request, res: Response) => {
    res.json(nonEmpty(control.find(validateFind(req.body))));
  });

  // The official SDK sends find_all as a GET without a body.
  router.all('/find_all', (_req: Request, res: Response) => {
    res.json(nonEmpty(control.findAll()));
  });

  router.post('/terminate', async (req: Request, res: Response) => {
    await control.terminate(validateMediaSession(req.body).mediaSessionId);
    res.end();
  });

  router.post('/mute', (req: Request, res: Response) => {
    control.mute(validateMediaSession(req.body).mediaSessionId);
    res.end();
  });

  router.post('/unmute', (req: Request, res: Response) => {
    control.unmute(validateMediaSession(req.body).mediaSessionId);
    res.end();
  });

  router.post('/sound_on', async (req: Request, res: Response) => {
    const body = validateSoundOn(req.body);
    await control.soundOn(body.mediaSessionId, body.soundFile, body.loop ?? false);
    res.end();
  });

  router.post('/sound_off', (req: Request, res: Response) => {
    control.soundOff(validateMediaSession(req.body).mediaSessionId);
    res.end();
  });

  return router;
}

/** WCS answers 404 rather than an empty array. */
function nonEmpty(transponders: TransponderView[]): TransponderView[] {
  if (transponders.length === 0) throw new GatewayError('TRANSPONDER_NOT_FOUND', 'Transponder not found');
  return transponders;
}
