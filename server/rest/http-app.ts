import http from 'node:http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { GatewayError } from '../errors';
import type { Logger } from '../log';
import { ERROR_STATUS } from './error-status';

/** Largest JSON body accepted by the APIs. */
const MAX_BODY = '64kb';

/** What the HTTP server mounts: each router at its path, plus static files. */
export interface HttpAppParts {
  /** Routers by mount path, e.g. `/rest-api/push`. */
  routers: Record<string, Router>;
  /** Static directories by mount path, e.g. `/web-sdk` → dist/web-sdk. */
  staticDirs: Record<string, string>;
  /** Access-Control-Allow-Origin for the REST API; '' sends no CORS headers. */
  corsAllowOrigin: string;
  logger: Logger;
}

/**
 * The Express application behind the HTTP(S) port: JSON bodies parsed whatever the content type
 * (curl -d sends form encoding), CORS as WCS sends it, and one error handler that turns every
 * failure into a JSON body with the right status — never a stack trace.
 */
export function createHttpApp(parts: HttpAppParts): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (parts.corsAllowOrigin !== '') {
    app.use((req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Access-Control-Allow-Origin', parts.corsAllowOrigin);
      res.setHeader('Access-Control-Allow-Headers', 'content-type,x-requested-with,x-access-token');
      res.setHeader('Access-Control-Allow-Methods', 'GET,POST,DELETE,OPTIONS');
      if (req.method === 'OPTIONS') res.status(204).end();
      else next();
    });
  }
  app.use(express.json({ type: () => true, limit: MAX_BODY, strict: false }));
  for (const [path, router] of Object.entries(parts.routers)) app.use(path, router);
  for (const [path, dir] of Object.entries(parts.staticDirs)) app.use(path, express.static(dir, { index: 'index.html' }));
  app.use((req: Request) => {
    throw new GatewayError('NOT_FOUND', `No such endpoint: ${req.method} ${req.path}`);
  });
  app.use(errorHandler(parts.logger));
  return app;
}

function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = toGatewayError(err);
    const status = known ? ERROR_STATUS[known.code] : 500;
    if (!known) logger.error({ err, path: req.path }, 'request failed');
    else logger.info({ path: req.path, status, code: known.code, reason: known.message }, 'request refused');
    if (res.headersSent) return;
    res.status(status).json({
      timestamp: Date.now(),
      status,
      error: http.STATUS_CODES[status] ?? 'Error',
      code: known?.code ?? 'INTERNAL',
      message: known?.message ?? 'Internal error (see the gateway log)',
      path: req.path,
    });
  };
}

/** Maps body-parser failures to our codes; other unknown errors stay unknown (500). */
function toGatewayError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new GatewayError('INVALID_JSON', `Malformed JSON body: ${(err as Error).message}`);
  if (type === 'entity.too.large') return new GatewayError('PAYLOAD_TOO_LARGE', `Body larger than ${MAX_BODY}`);
  if (typeof type === 'string' && type.startsWith('encoding.')) return new GatewayError('INVALID_BODY', (err as Error).message);
  return undefined;
}
