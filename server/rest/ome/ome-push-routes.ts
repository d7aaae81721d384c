import { Router, type Request, type Response } from 'express';
import { principalOf } from '../../access/http-access';
import { GatewayError } from '../../errors';
import { EndReasons } from '../../hub/end-reason';
import type { PushControl } from '../../paths/path-directory';
import { bodyValidator } from '../validation';
import { pushRequestOfOme } from './ome-push-request';
import { listPushesSchema, startPushSchema, stopPushSchema, type StartPushBody } from './ome-push-schemas';
import { omePushView, type OmePushView } from './ome-push-view';

const validateStart = bodyValidator<StartPushBody>(startPushSchema);
const validateStop = bodyValidator<{ id: string }>(stopPushSchema);
const validateList = bodyValidator<{ id?: string }>(listPushesSchema);

/** Where the API lives: OME's one virtual host and its applications (settings ome_vhost, ome_apps). */
export interface OmeNamespace {
  readonly vhost: string;
  readonly apps: readonly string[];
}

/**
 * OvenMediaEngine's push API, mounted at `/v1`: `POST /vhosts/{vhost}/apps/{app}:startPush`,
 * `:stopPush` and `:pushes`, answering OME's envelope `{statusCode, message, response}`. Every app
 * sees the same streams; a push belongs to the app it was made in and is listed there.
 */
export function omePushRoutes(control: PushControl, namespace: OmeNamespace): Router {
  const router = Router();

  // OME's action follows the app name after a colon, which Express cannot split: the segment is parsed here.
  router.post('/vhosts/:vhost/apps/:appAction', async (req: Request, res: Response) => {
    const { vhost, app, action } = target(req, namespace);
    const scope = `${vhost}/${app}`;
    const secrets = principalOf(res).kind !== 'open';
    switch (action) {
      case 'startPush': {
        const status = await control.startPush(pushRequestOfOme(validateStart(req.body), scope));
        return ok(res, [omePushView(status, secrets)]);
      }
      case 'stopPush': {
        const { id } = validateStop(req.body);
        const push = (await control.findPushes({ scope })).find((p) => p.id === id);
        if (!push) throw new GatewayError('NOT_FOUND', `There is no push information related to the ID [${id}]`);
        await control.terminatePush(id, EndReasons.restTerminate);
        return ok(res, omePushView(push, secrets, 'stopping'));
      }
      case 'pushes': {
        const { id } = validateList(req.body);
        const pushes = (await control.findPushes({ scope })).filter((p) => id === undefined || p.id === id);
        if (id !== undefined && pushes.length === 0) throw new GatewayError('NOT_FOUND', `There is no push information related to the ID [${id}]`);
        return ok(res, pushes.map((push) => omePushView(push, secrets)));
      }
      default:
        throw new GatewayError('NOT_FOUND', `No such action: ${action} (the push API has startPush, stopPush and pushes)`);
    }
  });

  router.use((req: Request) => {
    throw new GatewayError('NOT_FOUND', `No such endpoint: ${req.method} /v1${req.path} (the push API is POST /v1/vhosts/{vhost}/apps/{app}:startPush, :stopPush and :pushes)`);
  });

  return router;
}

/** Splits `app:action` and checks both names against the configured namespace. */
function target(req: Request, namespace: OmeNamespace): { vhost: string; app: string; action: string } {
  const vhost = String(req.params['vhost']);
  const segment = String(req.params['appAction']);
  const colon = segment.lastIndexOf(':');
  if (colon <= 0) throw new GatewayError('NOT_FOUND', `No such endpoint: ${req.path} (expected apps/{app}:{action})`);
  const app = segment.slice(0, colon);
  if (vhost !== namespace.vhost) throw new GatewayError('NOT_FOUND', `Could not find the virtual host: [${vhost}] (setting ome_vhost)`);
  if (!namespace.apps.includes(app)) throw new GatewayError('NOT_FOUND', `Could not find the application: [${vhost}/${app}] (setting ome_apps)`);
  return { vhost, app, action: segment.slice(colon + 1) };
}

function ok(res: Response, response: OmePushView | OmePushView[]): void {
  res.json({ statusCode: 200, message: 'OK', response });
}
