import http from 'node:http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { HttpAccess } from '../access/http-access';
import type { RateLimiter } from '../access/rate-limiter';
import { RepeatSuppressor } from '../access/repeat-suppressor';
import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { LimitReporter } from '../metrics/limits';
import { ERROR_STATUS } from './error-status';

/** Largest JSON body accepted by the APIs. */
const MAX_BODY = '64kb';

/** The JSON body of an error answer, given its status, code and message. */
export type ErrorBody = (status: number, code: string, message: string, req: Request) => object;

/** A management API with error bodies of its own shape (OvenMediaEngine's envelope, say). */
export interface ApiMount {
  readonly router: Router;
  readonly errorBody: ErrorBody;
}

/** What the HTTP server mounts. */
export interface HttpAppParts {
  /** Management APIs by mount path (e.g. `/rest-api`): behind the access layer, the rate limit and the JSON rule. */
  api: Record<string, Router | ApiMount>;
  /**
   * WebRTC-over-HTTP endpoints (WHIP, WHEP) by mount path: behind the same access layer and rate
   * limit, but their bodies are SDP (`application/sdp`, at most `sdpMaxBytes`), not JSON.
   */
  sdp: Record<string, Router>;
  /** Largest SDP body accepted, bytes (webrtc_offer_max_bytes). */
  sdpMaxBytes: number;
  /** Routes anyone may call (the SDK's server info), by mount path. */
  open: Record<string, Router>;
  /** Static directories by mount path, e.g. `/web-sdk` → dist/web-sdk. */
  staticDirs: Record<string, string>;
  /** Origins allowed to call the APIs from a browser (CORS); `*` allows any; empty: none. */
  corsOrigins: readonly string[];
  access: HttpAccess;
  /** Requests per client address. */
  rateLimiter: RateLimiter;
  limits: LimitReporter;
  logger: Logger;
}

/**
 * The Express application behind the HTTP(S) port. The management APIs take JSON bodies sent as
 * `application/json` only (so a web page cannot post to them without a CORS preflight), answer
 * CORS only for the configured origins, are rate-limited per client, and go through one access
 * layer; one error handler turns every failure into a JSON body with the right status — never a
 * stack trace.
 */
export function createHttpApp(parts: HttpAppParts): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const guard = [cors(parts.corsOrigins), rateLimit(parts), jsonOnly, express.json({ type: isJson, limit: MAX_BODY, strict: false }), parts.access.middleware()];
  for (const [path, mount] of Object.entries(parts.api)) {
    if ('errorBody' in mount) app.use(path, ...guard, mount.router, errorHandler(parts.logger, mount.errorBody));
    else app.use(path, ...guard, mount);
  }
  const sdpGuard = [cors(parts.corsOrigins), rateLimit(parts), sdpOnly, express.text({ type: isSdp, limit: parts.sdpMaxBytes }), parts.access.middleware()];
  for (const [path, router] of Object.entries(parts.sdp)) app.use(path, ...sdpGuard, router);
  for (const [path, router] of Object.entries(parts.open)) app.use(path, router);
  for (const [path, dir] of Object.entries(parts.staticDirs)) app.use(path, express.static(dir, { index: 'index.html' }));
  app.use((req: Request) => {
    throw new GatewayError('NOT_FOUND', `No such endpoint: ${req.method} ${req.path}`);
  });
  app.use(errorHandler(parts.logger, wcsErrorBody));
  return app;
}

/** CORS for the allowed origins only; a preflight from any other origin gets no CORS headers, so the browser refuses. */
function cors(origins: readonly string[]) {
  const any = origins.includes('*');
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    if (origin !== undefined && (any || origins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Access-Control-Allow-Headers', 'content-type,x-requested-with,x-access-token,authorization');
      res.setHeader('Access-Control-Allow-Methods', 'GET,POST,PATCH,DELETE,OPTIONS');
      // WHIP and WHEP clients read the resource and the ICE servers from these.
      res.setHeader('Access-Control-Expose-Headers', 'Location,Link,ETag');
      if (!any) res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') res.status(204).end();
    else next();
  };
}

function rateLimit(parts: HttpAppParts) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const waitMs = parts.rateLimiter.take(req.socket.remoteAddress ?? '');
    if (waitMs === 0) return next();
    parts.limits.reached('rest_rate');
    res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
    next(new GatewayError('RATE_LIMITED', `Too many requests from ${req.socket.remoteAddress ?? 'this address'} (setting rest_rate_limit); retry in ${waitMs} ms`));
  };
}

/** A body must be declared JSON: other types are what a cross-site form or a no-preflight fetch can send. */
function jsonOnly(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !isJson(req)) return next(new GatewayError('UNSUPPORTED_MEDIA_TYPE', `Send JSON bodies with Content-Type: application/json (got ${req.get('content-type') ?? 'none'})`));
  next();
}

/** An offer must be SDP: like JSON, a type that a cross-site page cannot send without a preflight. (PATCH bodies are not read.) */
function sdpOnly(req: Request, _res: Response, next: NextFunction): void {
  if (req.method !== 'POST') return next();
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !isSdp(req)) return next(new GatewayError('UNSUPPORTED_MEDIA_TYPE', `Send the SDP offer with Content-Type: application/sdp (got ${req.get('content-type') ?? 'none'})`));
  next();
}

function isSdp(req: http.IncomingMessage): boolean {
  return /^application\/sdp\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

function isJson(req: http.IncomingMessage): boolean {
  return /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** Error bodies as Web Call Server's REST API writes them (Spring's shape). */
const wcsErrorBody: ErrorBody = (status, code, message, req) => ({
  timestamp: Date.now(),
  status,
  error: http.STATUS_CODES[status] ?? 'Error',
  code,
  message,
  path: req.path,
});

/** A refusal that repeats (same client, path and code: a page polling) is logged once, then once a minute at most with its count, ms. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

function errorHandler(logger: Logger, body: ErrorBody) {
  const refusals = new RepeatSuppressor(REFUSAL_LOG_INTERVAL_MS);
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = toGatewayError(err);
    const status = known ? ERROR_STATUS[known.code] : 500;
    if (!known) logger.error({ err, path: req.path }, 'request failed');
    else {
      const client = req.socket.remoteAddress;
      const times = refusals.occur(`${client} ${known.code} ${req.path}`);
      if (times !== undefined) logger.info({ path: req.path, status, code: known.code, reason: known.message, client, ...(times > 1 ? { repeated: times } : {}) }, 'request refused');
    }
    if (res.headersSent) return;
    res.status(status).json(body(status, known?.code ?? 'INTERNAL', known?.message ?? 'Internal error (see the gateway log)', req));
  };
}

/** Maps body-parser failures to our codes; other unknown errors stay unknown (500). */
function toGatewayError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new GatewayError('INVALID_JSON', `Malformed JSON body: ${(err as Error).message}`);
  if (type === 'entity.too.large') return new GatewayError('PAYLOAD_TOO_LARGE', `Body larger than ${(err as { limit?: unknown }).limit ?? MAX_BODY} bytes`);
  if (typeof type === 'string' && type.startsWith('encoding.')) return new GatewayError('INVALID_BODY', (err as Error).message);
  return undefined;
}
