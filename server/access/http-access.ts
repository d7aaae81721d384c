import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GatewayError } from '../errors';
import { readCredentials } from './credentials';
import type { PasswordFile } from './password-file';

/** Who a management call was let in as. */
export type Principal =
  /** An HTTP Basic user of the users file. */
  | { readonly kind: 'user'; readonly name: string }
  /** The configured access token. */
  | { readonly kind: 'token' }
  /** A caller on the gateway's own machine, while no credentials are configured. */
  | { readonly kind: 'loopback' }
  /** Anyone: authentication is switched off (disable_rest_auth=true). */
  | { readonly kind: 'open' };

/** How the management APIs are protected. */
export interface HttpAccessOptions {
  /** disable_rest_auth: every caller is let in, unauthenticated. */
  readonly disabled: boolean;
  /** HTTP Basic users (rest_auth_users_file), if any. */
  readonly users: PasswordFile | undefined;
  /** The access token (api_access_token); '' for none. */
  readonly token: string;
}

/**
 * One access layer for every management API (the WCS REST API, the RTMP server API, /metrics...):
 * - credentials, when presented, must be right — an HTTP Basic user, or the access token as a
 *   Bearer token, as x-access-token, or as OME's Basic-encoded token;
 * - without credentials, a caller is let in only from loopback and only while none are configured
 *   (MediaMTX's default); anyone else gets a 401 that names the settings to use;
 * - disable_rest_auth=true lets everyone in (off only by choice).
 */
export class HttpAccess {
  readonly #options: HttpAccessOptions;
  readonly #tokenDigest: Buffer | undefined;

  constructor(options: HttpAccessOptions) {
    this.#options = options;
    this.#tokenDigest = options.token === '' ? undefined : digest(options.token);
  }

  /** True when credentials of some kind are configured. */
  get hasCredentials(): boolean {
    return this.#tokenDigest !== undefined || (this.#options.users?.size ?? 0) > 0;
  }

  /** Lets a request in, as whom; throws GatewayError UNAUTHORIZED with the reason. */
  async admit(headers: Request['headers'], remoteAddress: string | undefined): Promise<Principal> {
    if (this.#options.disabled) return { kind: 'open' };
    const credentials = readCredentials(headers);
    if (credentials.kind === 'none') {
      if (!this.hasCredentials && isLoopback(remoteAddress)) return { kind: 'loopback' };
      throw new GatewayError('UNAUTHORIZED', this.hasCredentials
        ? 'Authentication required: HTTP Basic (a user of rest_auth_users_file), or the api_access_token as a Bearer token or in x-access-token'
        : `Management calls from ${remoteAddress ?? 'this address'} need credentials: set rest_auth_users_file (HTTP Basic users) or api_access_token, or disable_rest_auth=true to open the API to everyone`);
    }
    if (this.#isToken(credentials.kind === 'token' ? credentials.token : credentials.raw)) return { kind: 'token' };
    if (credentials.kind === 'basic' && (await this.#options.users?.verify(credentials.user, credentials.password))) return { kind: 'user', name: credentials.user };
    throw new GatewayError('UNAUTHORIZED', 'Wrong credentials');
  }

  /** Express middleware: admits the request (res.locals.principal) or answers 401 with a Basic challenge. */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      this.admit(req.headers, req.socket.remoteAddress).then(
        (principal) => {
          res.locals['principal'] = principal;
          next();
        },
        (err: unknown) => {
          res.setHeader('WWW-Authenticate', 'Basic realm="gateway", charset="UTF-8"');
          next(err);
        },
      );
    };
  }

  #isToken(given: string): boolean {
    return this.#tokenDigest !== undefined && timingSafeEqual(digest(given), this.#tokenDigest);
  }
}

/** The principal `HttpAccess.middleware` admitted the request as. */
export function principalOf(res: Response): Principal {
  return (res.locals['principal'] as Principal | undefined) ?? { kind: 'open' };
}

/** True for 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/** Fixed-length digests, because timingSafeEqual needs equal lengths. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
