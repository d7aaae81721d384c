import { Router, type Request, type Response } from 'express';
import { principalOf } from '../access/http-access';
import { GatewayError } from '../errors';
import { EndReasons } from '../hub/end-reason';
import type { PushControl } from '../paths/path-directory';
import type { PushStatus } from '../push/types';
import { findRequestSchema, mediaSessionRequestSchema, soundOnRequestSchema, startupRequestSchema } from './push-schemas';
import { pushFilterOf, pushRequestOf, transponderView, type FindBody, type StartupBody, type TransponderView, type ViewRights } from './transponder-view';
import { bodyValidator } from './validation';

const validateStartup = bodyValidator<StartupBody>(startupRequestSchema);
const validateFind = bodyValidator<FindBody>(findRequestSchema);
const validateMediaSession = bodyValidator<{ mediaSessionId: string }>(mediaSessionRequestSchema);
const validateSoundOn = bodyValidator<{ mediaSessionId: string; soundFile: string; loop?: boolean }>(soundOnRequestSchema);

/**
 * `/push/*` with Web Call Server's shapes: startup returns one transponder, find and find_all
 * return arrays (404 when empty), the other calls answer 200 with an empty body.
 */
export function pushRoutes(control: PushControl): Router {
  const router = Router();

  router.post('/startup', async (req: Request, res: Response) => {
    // The caller just sent the URL: it gets it back as WCS echoes it (masked only when nobody is authenticated).
    res.json(transponderView(await control.startPush(pushRequestOf(validateStartup(req.body))), rights(req, res, true)));
  });

  router.post('/find', async (req: Request, res: Response) => {
    const body = validateFind(req.body);
    res.json(nonEmpty(await control.findPushes(pushFilterOf(body)), rights(req, res, body.showSecrets === true)));
  });

  // The official SDK sends find_all as a GET without a body.
  router.all('/find_all', async (req: Request, res: Response) => {
    const body = req.body as { showSecrets?: unknown } | undefined;
    res.json(nonEmpty(await control.findPushes({}), rights(req, res, body?.showSecrets === true)));
  });

  router.post('/terminate', async (req: Request, res: Response) => {
    await control.terminatePush(validateMediaSession(req.body).mediaSessionId, EndReasons.restTerminate);
    res.end();
  });

  router.post('/mute', async (req: Request, res: Response) => {
    await control.setMuted(validateMediaSession(req.body).mediaSessionId, true);
    res.end();
  });

  router.post('/unmute', async (req: Request, res: Response) => {
    await control.setMuted(validateMediaSession(req.body).mediaSessionId, false);
    res.end();
  });

  router.post('/sound_on', async (req: Request, res: Response) => {
    const body = validateSoundOn(req.body);
    await control.soundOn(body.mediaSessionId, body.soundFile, body.loop ?? false);
    res.end();
  });

  router.post('/sound_off', async (req: Request, res: Response) => {
    await control.soundOff(validateMediaSession(req.body).mediaSessionId);
    res.end();
  });

  return router;
}

/** WCS answers 404 rather than an empty array. */
function nonEmpty(pushes: PushStatus[], rights: ViewRights): TransponderView[] {
  if (pushes.length === 0) throw new GatewayError('TRANSPONDER_NOT_FOUND', 'Transponder not found');
  return pushes.map((push) => transponderView(push, rights));
}

/**
 * What this caller may see: secrets only when asked for (`showSecrets` in the body or `?secrets=true`)
 * by an authenticated caller; connection errors in full to any authenticated caller.
 */
function rights(req: Request, res: Response, asked: boolean): ViewRights {
  const authenticated = principalOf(res).kind !== 'open';
  return { secrets: authenticated && (asked || req.query['secrets'] === 'true'), errors: authenticated };
}
