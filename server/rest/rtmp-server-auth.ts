import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GatewayError } from '../errors';

/** Header carrying the API access token, as Callaba names it. */
const ACCESS_TOKEN_HEADER = 'x-access-token';

/**
 * Requires `token` in the x-access-token header (401 UNAUTHORIZED otherwise); an empty token
 * leaves the routes open. Compared in constant time, so the token cannot be guessed byte by byte.
 */
export function requireAccessToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (token === '') return next();
    const given = req.get(ACCESS_TOKEN_HEADER);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new GatewayError('UNAUTHORIZED', `Missing or wrong ${ACCESS_TOKEN_HEADER} header`);
    }
    next();
  };
}

/** Fixed-length digests, because timingSafeEqual needs equal lengths. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
